/**
 * Runs a generated create-secrets.sh with the real kubectl for everything that works without a
 * cluster (`create ... --dry-run=client -o yaml` builds the objects client-side). Only the two
 * calls that need an API server are stood in for by a wrapper: `get secret` (answers "absent"
 * unless listed in EXISTING_SECRETS; a listed one has every key, so the script's go-template
 * check of a receiver Secret prints "present") and `apply -f -` (records what would be applied). The
 * wrapper also logs every kubectl command line, to prove no credential is ever an argument.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

export const REAL_KUBECTL = spawnSync('bash', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();

const WRAPPER = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$RUN_DIR/argv.log"
case " $* " in
  *" get secret "*)
    for existing in \${EXISTING_SECRETS:-}; do [[ " $* " == *" $existing "* ]] && { echo present; exit 0; }; done
    exit 1 ;;
  *" apply -f - "*) { cat; echo '---'; } >> "$RUN_DIR/applied.yaml"; exit 0 ;;
esac
exec "$REAL_KUBECTL" "$@"
`;

export interface CreateSecretsRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly argv: string;
  readonly applied: Record<string, unknown>[];
}

export function runCreateSecrets(script: string, existingSecrets: string[] = []): CreateSecretsRun {
  if (!REAL_KUBECTL) throw new Error('kubectl is not on PATH: apt-get install kubernetes-client (.ci/run does it).');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'create-secrets-'));
  try {
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'kubectl'), WRAPPER, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'create-secrets.sh'), script);
    const run = spawnSync('bash', [path.join(dir, 'create-secrets.sh')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
        RUN_DIR: dir,
        REAL_KUBECTL,
        EXISTING_SECRETS: existingSecrets.join(' '),
        KUBECONFIG: path.join(dir, 'no-kubeconfig'),
      },
    });
    const read = (file: string) => (fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file), 'utf8') : '');
    const applied = parseAllDocuments(read('applied.yaml'))
      .map((doc) => doc.toJS() as Record<string, unknown> | null)
      .filter((doc): doc is Record<string, unknown> => doc !== null);
    return { status: run.status, stderr: run.stderr, argv: read('argv.log'), applied };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
