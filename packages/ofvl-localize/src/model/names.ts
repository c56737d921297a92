/**
 * Parameter names. A name several scene graphs contain is one parameter (the trainer shares
 * by name): `layers.<i>.shared` and `layers.<i>.score` are common to every scene,
 * `<scene>.layers.<i>.weight` and everything under `<scene>.` belong to one scene.
 */
export const sharedWeight = (layer: number): string => `layers.${layer}.shared`;
export const sharingScore = (layer: number): string => `layers.${layer}.score`;
/** Every layer's sharing score. */
export const SCORE_PARAM = /^layers\.\d+\.score$/;
export const sceneWeight = (scene: string, layer: number): string => `${scene}.layers.${layer}.weight`;
export const sceneNorm = (scene: string, layer: number, what: 'weight' | 'bias' | 'running_mean' | 'running_var'): string => `${scene}.layers.${layer}.bn.${what}`;
export const sceneHead = (scene: string, conv: 1 | 2, what: 'weight' | 'bias'): string => `${scene}.head.${conv}.${what}`;

/** Graph outputs of the deployed multi-scene model. */
export const coordsOutput = (scene: string): string => `coords.${scene}`;
export const uncertaintyOutput = (scene: string): string => `uncertainty.${scene}`;

/**
 * Scene names become tensor-name prefixes: segments of letters, digits, '-' and '_', joined by
 * '/' (12-Scenes nests its scenes: `apt1/kitchen`). No '.', which separates a name's parts.
 */
export const SCENE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9][A-Za-z0-9_-]*)*$/;
