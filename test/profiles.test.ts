import * as fs from 'fs';
import { DIST_DIR, PROFILES, profileDir, profileHelmfile, validateProfile } from '../lib/profiles';
import { readHelmfile } from '../verify/helm';
import { synthToFiles } from './helpers/synth';

describe('stack profiles', () => {
  test('each profile has its own folder under dist/, holding the helmfile profileHelmfile() names', () => {
    for (const profile of PROFILES) {
      expect(profileDir(profile)).toBe(`${DIST_DIR}/${profile}`);
      expect(fs.existsSync(profileHelmfile(profile))).toBe(true);
      expect(readHelmfile(profileHelmfile(profile)).length).toBe(6);
    }
  });

  test('an unknown profile is refused, naming the prop and the profiles there are', () => {
    expect(() => validateProfile('profile', 'latest')).toThrow(`profile: "latest" is not a stack profile; use one of ${PROFILES.map((p) => `"${p}"`).join(', ')}.`);
    expect(() => synthToFiles({ profile: 'latest' as never })).toThrow(/^profile: "latest" is not a stack profile/);
  });
});
