import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Known Vulkan ICD manifests, by adapter name, used when running on Node with Dawn. */
export const KNOWN_ICDS: Record<string, readonly string[]> = {
  // SwiftShader ships inside Debian's chromium package (DESIGN.md).
  swiftshader: ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'],
  // Mesa's software rasteriser (Mesa >= 25 from bookworm-backports; Debian 12's 22.3 is rejected by Dawn).
  lavapipe: ['/usr/share/vulkan/icd.d/lvp_icd.x86_64.json', '/usr/share/vulkan/icd.d/lvp_icd.json'],
  // NVIDIA's driver; container images put it under /usr/local/nvidia (DESIGN.md, "On a real GPU").
  nvidia: [
    '/usr/share/vulkan/icd.d/nvidia_icd.json',
    '/etc/vulkan/icd.d/nvidia_icd.json',
    '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json',
  ],
};

/** Which adapter the engine uses in Node, and why (printed by `wasserflow info`). */
export interface AdapterChoice {
  /** 'swiftshader', 'lavapipe', 'nvidia', 'system' (the Vulkan loader picks), or 'custom' (an ICD path). */
  name: string;
  /** The ICD manifest put in VK_ICD_FILENAMES; undefined for 'system'. */
  icd: string | undefined;
  /** One sentence: who chose it (option, environment, automatic) and on what grounds. */
  reason: string;
}

/** Vulkan API version of an ICD manifest ("1.4.305" → [1, 4, 305]); undefined if unreadable. */
export function icdApiVersion(path: string): number[] | undefined {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { ICD?: { api_version?: string } };
    const v = json.ICD?.api_version;
    return v ? v.split('.').map(Number) : undefined;
  } catch {
    return undefined;
  }
}

// Dawn refuses Debian 12's own lavapipe (Mesa 22.3, Vulkan 1.3); Mesa 25's reports Vulkan 1.4.
function usableLavapipe(path: string): boolean {
  const v = icdApiVersion(path);
  return v !== undefined && ((v[0] ?? 0) > 1 || (v[0] === 1 && (v[1] ?? 0) >= 4));
}

function findIcd(name: string): string | undefined {
  const found = KNOWN_ICDS[name]?.find((p) => existsSync(p));
  if (name === 'lavapipe' && found && !usableLavapipe(found)) return undefined;
  return found;
}

function hasRenderNode(): boolean {
  try {
    return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
  } catch {
    return false;
  }
}

function named(name: string, source: string): AdapterChoice {
  if (name === 'system') return { name, icd: undefined, reason: `${source}: the Vulkan loader picks the driver` };
  if (name.endsWith('.json')) return { name: 'custom', icd: name, reason: `${source}: the Vulkan driver ${name}` };
  return { name, icd: KNOWN_ICDS[name]?.find((p) => existsSync(p)), reason: source };
}

/**
 * The adapter to use in Node. In order: `requested` (the `adapter` option, `--adapter`),
 * `WASSERFLOW_ADAPTER`, a `VK_ICD_FILENAMES` set by the user, then automatically: a hardware GPU
 * when the machine has one (NVIDIA's driver, or a DRI render node the Vulkan loader can use), else
 * the fastest software adapter present — lavapipe (Mesa ≥ 25, 3–5× SwiftShader on the same cores,
 * DESIGN.md "Facts measured"), else SwiftShader.
 */
export function chooseAdapter(requested?: string, env: Record<string, string | undefined> = process.env): AdapterChoice {
  if (requested) return named(requested, `adapter '${requested}' asked for`);
  if (env.WASSERFLOW_ADAPTER) return named(env.WASSERFLOW_ADAPTER, `WASSERFLOW_ADAPTER=${env.WASSERFLOW_ADAPTER}`);
  if (env.VK_ICD_FILENAMES) {
    const icd = env.VK_ICD_FILENAMES;
    const name = /lvp_icd/.test(icd) ? 'lavapipe' : /swiftshader/.test(icd) ? 'swiftshader' : /nvidia/.test(icd) ? 'nvidia' : 'custom';
    return { name, icd, reason: `VK_ICD_FILENAMES=${icd} set in the environment` };
  }
  const nvidia = findIcd('nvidia');
  if (nvidia && existsSync('/dev/nvidia0')) return { name: 'nvidia', icd: nvidia, reason: 'a hardware GPU: NVIDIA driver and /dev/nvidia0 present' };
  if (hasRenderNode()) return { name: 'system', icd: undefined, reason: 'a hardware GPU: a /dev/dri render node is present; the Vulkan loader picks the driver' };
  const lavapipe = findIcd('lavapipe');
  if (lavapipe) {
    return {
      name: 'lavapipe',
      icd: lavapipe,
      reason: 'no hardware GPU found; lavapipe (Mesa ≥ 25) is the fastest software adapter present (3–5× SwiftShader on the same cores)',
    };
  }
  const swiftshader = findIcd('swiftshader');
  return {
    name: 'swiftshader',
    icd: swiftshader,
    reason: 'no hardware GPU and no lavapipe (Mesa ≥ 25; scripts/setup.sh installs it): SwiftShader from Debian\'s chromium',
  };
}

/** The ICD manifest for a named adapter, or for the automatic choice when no name is given. */
export function defaultIcd(name?: string): string | undefined {
  if (name === undefined) return chooseAdapter().icd;
  return name.endsWith('.json') ? name : findIcd(name);
}
