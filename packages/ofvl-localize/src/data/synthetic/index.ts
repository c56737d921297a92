/** The synthetic rooms: layouts, procedural textures, ray casting, trajectories, SceneSources. */
export { syntheticRooms, syntheticIntrinsics, SYNTHETIC_WIDTH, SYNTHETIC_HEIGHT, SYNTHETIC_FOCAL_PER_WIDTH, type SyntheticOptions, type SyntheticSceneSource } from './source.js';
export { roomLayout, floorPlan, isFree, PRESET_ROOM_SIZES, WALL_CLEARANCE, FURNITURE_CLEARANCE, type Box, type Furniture, type FurnitureKind, type RoomLayout } from './room.js';
export { RoomRenderer, type RenderedView, type RenderOptions } from './render.js';
export { cameraRotation, HEIGHT_RANGE } from './trajectory.js';
