// `batch-inference sensors pause|resume|trigger <name>`
import { ScheduleNotFoundError } from '@temporalio/client';
import type { Config } from '../../../config.js';
import { sensorScheduleId } from '../../../schedules/managed.js';
import { openSession } from '../session.js';
import { EXIT_OK, UsageError } from '../usage.js';

export type SensorAction = 'pause' | 'resume' | 'trigger';

export async function sensorsControlCommand(config: Config, action: SensorAction, name: string): Promise<number> {
  const session = await openSession(config, { worker: 'never' });
  try {
    const handle = session.client.schedule(sensorScheduleId(name));
    try {
      if (action === 'pause') await handle.pause('paused with batch-inference sensors pause');
      else if (action === 'resume') await handle.unpause('resumed with batch-inference sensors resume');
      // A manual check may overlap a scheduled one: the sensor's state workflow still starts one run per change.
      else await handle.trigger();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError)
        throw new UsageError(`No sensor ${name} (no Schedule ${sensorScheduleId(name)}); see batch-inference sensors list`);
      throw err;
    }
    console.log({ pause: `Sensor ${name} paused`, resume: `Sensor ${name} resumed`, trigger: `Sensor ${name}: check started` }[action]);
    if (action === 'trigger' && !session.hasWorker)
      console.error('No worker is running: the check waits until `batch-inference dev` or `batch-inference worker` runs.');
    return EXIT_OK;
  } finally {
    await session.close();
  }
}
