export * from './plan';
export * from './run';
export * from './review';
export * from './padding';
