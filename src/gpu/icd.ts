import { existsSync } from 'node:fs';

/** Known Vulkan ICD manifests, by adapter name, used when running on Node with Dawn. */
export const KNOWN_ICDS: Record<string, readonly string[]> = {
  // SwiftShader ships inside Debian's chromium package (DESIGN.md).
  swiftshader: ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'],
  // Mesa's software rasteriser (Mesa >= 25 from bookworm-backports; Debian 12's 22.3 is rejected by Dawn).
  lavapipe: ['/usr/share/vulkan/icd.d/lvp_icd.x86_64.json', '/usr/share/vulkan/icd.d/lvp_icd.json'],
};

/** The ICD manifest to use for a named adapter ('swiftshader' by default), or undefined if absent. */
export function defaultIcd(name: string = process.env.WASSERFLOW_ADAPTER ?? 'swiftshader'): string | undefined {
  const candidates = KNOWN_ICDS[name];
  if (!candidates) return undefined;
  return candidates.find((p) => existsSync(p));
}
