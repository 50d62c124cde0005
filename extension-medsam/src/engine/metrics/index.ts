export { dice } from './dice';
export {
  normalizedSurfaceDistance,
  normalizedSurfaceDistances,
  surfaceDistances,
  type MaskShape,
  type SurfaceDistances,
} from './surface';
