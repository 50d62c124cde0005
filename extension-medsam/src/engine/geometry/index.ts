export * from './box';
export * from './markers';
export * from './interpolate';
