/**
 * The stack's profiles: one set of constructs, two sets of pinned charts. Each profile is
 * synthesized into its own self-contained folder, `dist/<profile>/` (Kubernetes YAML, values,
 * helmfile, install and secrets scripts).
 */
import * as path from 'path';

/** Every profile `npm run synth` writes, the default first. */
export const PROFILES = ['current', 'reference'] as const;

export type StackProfile = (typeof PROFILES)[number];

/** The profile a stack gets when its props name none. */
export const DEFAULT_PROFILE: StackProfile = 'current';

/** The committed synth output (cdk8s.yaml `output`). */
export const DIST_DIR = path.resolve(__dirname, '..', 'dist');

/** Folder of one profile's synth output. */
export function profileDir(profile: StackProfile, distDir: string = DIST_DIR): string {
  return path.join(distDir, profile);
}

/** The helmfile.yaml that installs one profile's releases (what the render and end-to-end tests read). */
export function profileHelmfile(profile: StackProfile, distDir: string = DIST_DIR): string {
  return path.join(profileDir(profile, distDir), 'helm', 'helmfile.yaml');
}

export function validateProfile(prop: string, value: string): StackProfile {
  if (!(PROFILES as readonly string[]).includes(value)) {
    throw new Error(`${prop}: "${value}" is not a stack profile; use one of ${PROFILES.map((p) => `"${p}"`).join(', ')}.`);
  }
  return value as StackProfile;
}
