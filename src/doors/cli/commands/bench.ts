import type { Config } from '../../../config.js';
import { UsageError } from '../usage.js';

export async function benchCommand(_config: Config, _rows?: string): Promise<number> {
  throw new UsageError('bench is not built yet');
}
