/**
 * `featureflow temporal setup`: registers Featureflow's search attributes in a Temporal namespace, so the UI can
 * filter runs by view, project and kind. Once per namespace; running it again changes nothing.
 */
import { parseCommandArgs, temporalTarget, TEMPORAL_OPTIONS, UsageError } from '../args.js';

const USAGE = `usage: featureflow temporal setup [--address A] [--namespace NS] [--json]

  setup   register the search attributes FeatureflowView (KeywordList), FeatureflowProject and FeatureflowKind
          (Keyword) in the namespace, when missing. Every run Featureflow starts is then labelled with them, and
          the Temporal UI's workflow list filters with e.g. FeatureflowView = "user_stats". Idempotent. Needs the
          operator API (on Temporal Cloud, create them in the namespace's settings instead). Without it, runs start
          unlabelled (with one warning). \`featureflow dev\`, the demo and \`schedules apply\` do this themselves.

      --address A       Temporal frontend (default TEMPORAL_ADDRESS, else 127.0.0.1:7233)
      --namespace NS    default TEMPORAL_NAMESPACE, else default
      --json            print {namespace, added, present} as JSON
  -h, --help            show this help`;

const OPTIONS = { ...TEMPORAL_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, USAGE);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [sub, ...rest] = positionals;
  if (sub !== 'setup') throw new UsageError(`${sub ? `unknown subcommand "${sub}"` : 'missing subcommand'}: use setup\n\n${USAGE}`);
  if (rest.length > 0) throw new UsageError(`temporal setup takes no arguments, got "${rest.join(' ')}"\n\n${USAGE}`);

  const { connectClient } = await import('../../client/connection.js');
  const { setupSearchAttributes } = await import('../../client/search-attributes.js');
  const client = await connectClient(temporalTarget(values));
  try {
    const result = await setupSearchAttributes(client);
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      const added = result.added.length > 0 ? `registered ${result.added.join(', ')}` : 'nothing to register';
      const present = result.present.length > 0 ? ` (already there: ${result.present.join(', ')})` : '';
      console.log(`namespace "${result.namespace}": ${added}${present}`);
      console.log('Filter runs in the Temporal UI with e.g. FeatureflowView = "VIEW" AND FeatureflowKind = "backfill"');
    }
    return 0;
  } finally {
    await client.connection.close();
  }
}
