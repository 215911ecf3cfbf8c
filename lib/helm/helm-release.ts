import { Construct } from 'constructs';
import { DEFAULT_PROFILE, StackProfile } from '../profiles';
import { chartPin, ChartRef, Component } from '../shared/versions';
import { validateChartVersion, validateNamespace, validateReleaseName } from '../shared/validation';

/**
 * A Secret the install path must create (with random values) before the release is installed,
 * so no credential is ever written into the repository, dist/ or a Helm values file.
 */
export interface GeneratedSecret {
  readonly name: string;
  /** Key -> how to fill it: `random` (32 random alphanumerics) or a fixed, non-secret value (e.g. a user name). */
  readonly keys: Readonly<Record<string, { readonly random: true } | { readonly fixed: string }>>;
}

/**
 * A Secret the user creates because only they have its value (e.g. a Slack webhook URL). The
 * install path checks that it exists, before installing anything, and never creates it.
 */
export interface UserSecret {
  readonly name: string;
  /** The key the release reads. */
  readonly key: string;
  /** What the value is, for the message when it is missing (e.g. "Slack webhook URL of receiver team-slack"). */
  readonly holds: string;
}

/** What every release construct takes; each construct's props extend it. */
export interface HelmReleaseProps {
  /** Namespace the release is installed into. */
  readonly namespace: string;
  /** Helm release name; charts derive their resource names from it. @default - the component's name (e.g. 'loki') */
  readonly releaseName?: string;
  /** Which set of pinned charts (and chart values) the release uses. @default 'current' */
  readonly profile?: StackProfile;
  /** Repository, chart and pinned version. @default - the component's pin for the profile in lib/shared/versions.ts */
  readonly chart?: ChartRef;
}

/**
 * One Helm release. No `helm template` runs here (cdk8s's Helm construct would need the helm
 * binary and the network at synth time); instead each subclass renders its typed values, and
 * lib/helm/ writes them with helmfile.yaml and install.sh into dist/.
 *
 * Values are rendered lazily (`renderValues()` is called at write time) because releases refer
 * to each other both ways: MinIO creates the buckets Loki and Tempo declare, while Loki and
 * Tempo read MinIO's endpoint.
 */
export abstract class HelmRelease<V extends object = object> extends Construct {
  public readonly releaseName: string;
  public readonly namespace: string;
  public readonly chart: ChartRef;
  public readonly profile: StackProfile;
  public readonly overridesName: string;
  private readonly dependencies: HelmRelease[] = [];
  private readonly secrets: GeneratedSecret[] = [];
  private readonly userSecretRefs: UserSecret[] = [];

  /**
   * @param component which of the stack's components this is: the default release name and chart
   *   pin, and the name of its override file in `charts-values/` (`<component>.yaml` for the reference
   *   profile, `<profile>/<component>.yaml` otherwise: the component, not the release name, so renaming
   *   a release keeps its overrides)
   */
  protected constructor(scope: Construct, id: string, component: Component, props: HelmReleaseProps) {
    super(scope, id);
    this.releaseName = validateReleaseName(`${id}.releaseName`, props.releaseName ?? component);
    this.namespace = validateNamespace(`${id}.namespace`, props.namespace);
    this.profile = props.profile ?? DEFAULT_PROFILE;
    this.chart = props.chart ?? chartPin(this.profile, component);
    validateChartVersion(`${id}.chart.version (${this.chart.chart})`, this.chart.version);
    // The reference profile's override files stay where they always were (charts-values/<component>.yaml);
    // another profile's are in charts-values/<profile>/, since its charts take other keys.
    this.overridesName = this.profile === 'reference' ? component : `${this.profile}/${component}`;
  }

  /** The typed values our constructs generate (before the user's charts-values/ overrides). */
  public abstract renderValues(): V;

  /** This release must be installed (and ready) before `this` (helmfile `needs`, install.sh order). */
  public addDependency(release: HelmRelease): void {
    if (release === this) throw new Error(`${this.releaseName}: a release cannot depend on itself.`);
    if (!this.dependencies.includes(release)) this.dependencies.push(release);
  }

  public get needs(): readonly HelmRelease[] {
    return [...this.dependencies];
  }

  protected addGeneratedSecret(secret: GeneratedSecret): void {
    this.secrets.push(secret);
  }

  public get generatedSecrets(): readonly GeneratedSecret[] {
    return [...this.secrets];
  }

  protected addUserSecret(secret: UserSecret): void {
    this.userSecretRefs.push(secret);
  }

  public get userSecrets(): readonly UserSecret[] {
    return [...this.userSecretRefs];
  }

  /**
   * Lines synth prints about the values this release is installed with: `values` are the final ones,
   * after the user's charts-values/ overrides, so a setting made there counts.
   */
  public warnings(_values: V): string[] {
    return [];
  }
}

/** Every HelmRelease under `scope`, ordered so that each comes after the releases it needs. */
export function releasesInInstallOrder(scope: Construct): HelmRelease[] {
  const all = scope.node.findAll().filter((c): c is HelmRelease => c instanceof HelmRelease);
  const ordered: HelmRelease[] = [];
  const visiting = new Set<HelmRelease>();
  const visit = (release: HelmRelease): void => {
    if (ordered.includes(release)) return;
    if (visiting.has(release)) throw new Error(`Helm releases depend on each other in a cycle through "${release.releaseName}".`);
    visiting.add(release);
    release.needs.forEach(visit);
    visiting.delete(release);
    ordered.push(release);
  };
  all.forEach(visit);
  const names = ordered.map((r) => `${r.namespace}/${r.releaseName}`);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`Two Helm releases are both named "${duplicate}": give each a distinct releaseName.`);
  return ordered;
}
