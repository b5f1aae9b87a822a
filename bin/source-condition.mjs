// A module resolve hook for running from the clone: adds the `featureflow-source` export condition, under which
// package.json's exports name the TypeScript sources instead of the built dist/. So `import ... from 'featureflow'`
// in a repo config (the example's, or one reaching this clone through a node_modules link) loads the sources.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'featureflow-source'] });
}
