// `batch-inference models register|list|show|delete`: the model registry on the stage. register, list
// and show need only the stage; delete asks Temporal which open runs use the version.
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../../../config.js';
import { BatchInferenceClient } from '../../../client.js';
import { UnknownModelKindError } from '../../../models/kinds/index.js';
import type { ModelJson } from '../../../models/modelJson.js';
import { ModelRefError, parseModelRef } from '../../../models/modelRef.js';
import { NonRetryableError } from '../../../nonRetryableError.js';
import { openSession } from '../session.js';
import { EXIT_OK, USAGE, UsageError } from '../usage.js';

export interface ModelsFlags {
  json: boolean;
  version?: string;
  kind?: string;
  description?: string;
  inputs?: string;
}

/** A client whose Temporal connection is made only if used: register, list and show never use it. */
function stageOnlyClient(config: Config): BatchInferenceClient {
  const connection = Connection.lazy({ address: config.temporal.address ?? 'localhost:7233' });
  return new BatchInferenceClient(new Client({ connection, namespace: config.temporal.namespace }), config);
}

/** Registry errors are the user's input (a name, a version, a file): exit 2 with the message. */
async function asUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NonRetryableError || err instanceof ModelRefError || err instanceof UnknownModelKindError)
      throw new UsageError(err.message);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError((err as Error).message);
    throw err;
  }
}

function describeModel(m: ModelJson): string {
  const lines = [
    `${m.name}@${m.version}  kind ${m.kind}  ${m.artifact.size} bytes  sha256 ${m.artifact.sha256}`,
    `created ${m.createdAt}${m.description ? `  ${m.description}` : ''}`,
    'functions:',
  ];
  for (const f of m.functions) {
    lines.push(`  ${f.name}`);
    lines.push(`    inputs:  ${f.inputs.length ? f.inputs.join(', ') : '(the query’s columns)'}`);
    lines.push(`    outputs: ${f.outputs.length ? f.outputs.map((o) => `${o.name} ${o.type}`).join(', ') : '(what the function returns)'}`);
  }
  return lines.join('\n');
}

export async function modelsCommand(config: Config, sub: string | undefined, args: string[], flags: ModelsFlags): Promise<number> {
  switch (sub) {
    case 'register': {
      const [name, file] = args;
      if (!name || !file) throw new UsageError(`models register needs <name> <file>\n\n${USAGE}`);
      const version =
        flags.version === undefined ? undefined : (await asUsage(async () => parseModelRef(`${name}@${flags.version}`))).version;
      const client = stageOnlyClient(config);
      const { model, created } = await asUsage(() =>
        client.registerModel({
          name,
          file,
          version,
          kind: flags.kind,
          description: flags.description,
          inputs: flags.inputs
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }),
      );
      if (flags.json) console.log(JSON.stringify({ ...model, created }));
      else
        console.log(
          `${created ? 'Registered' : 'Already registered (same bytes)'} ${model.name}@${model.version} (${model.kind}, sha256 ${model.artifact.sha256.slice(0, 12)}…): ${model.functions.map((f) => f.name).join(', ')}`,
        );
      return EXIT_OK;
    }
    case 'list': {
      const models = await asUsage(() => stageOnlyClient(config).listModels());
      if (flags.json) console.log(JSON.stringify(models));
      else if (!models.length) console.log('No models registered. Add one with: batch-inference models register <name> <file>');
      else
        for (const m of models)
          console.log(
            `${m.name}  latest ${m.latest}  versions ${m.versions.join(',')}  ${m.kind}${m.description ? `  ${m.description}` : ''}`,
          );
      return EXIT_OK;
    }
    case 'show': {
      const [ref] = args;
      if (!ref) throw new UsageError(`models show needs <name>[@<version>]\n\n${USAGE}`);
      const model = await asUsage(() => stageOnlyClient(config).showModel(ref));
      console.log(flags.json ? JSON.stringify(model) : describeModel(model));
      return EXIT_OK;
    }
    case 'delete': {
      const [ref] = args;
      const parsed = ref ? await asUsage(async () => parseModelRef(ref)) : undefined;
      if (!parsed?.version) throw new UsageError(`models delete needs <name>@<version>\n\n${USAGE}`);
      const session = await openSession(config, { worker: 'never' });
      try {
        await asUsage(() => session.client.deleteModel(parsed.name, parsed.version!));
      } finally {
        await session.close();
      }
      console.log(`Deleted ${parsed.name}@${parsed.version}`);
      return EXIT_OK;
    }
    default:
      throw new UsageError(`models needs register, list, show or delete\n\n${USAGE}`);
  }
}
