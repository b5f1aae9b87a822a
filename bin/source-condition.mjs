// Module resolution for running from the clone, where `featureflow` imports in a repo config (the example's, or
// one reaching this clone through a node_modules link) must load the TypeScript sources: package.json's exports
// list them first under the `featureflow-source` condition, and dist/ (the installed package's) may not be built.
// ES modules: a resolve hook (registered from bin/featureflow.js) adds the condition. CommonJS configs (a folder
// without "type": "module") resolve through require, which Node 20's hooks do not reach, so install() maps
// `featureflow[/x]` there when, and only when, the package found is this clone.
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONDITION = 'featureflow-source';

export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, CONDITION] });
}

export function installForRequire() {
  const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
  const { exports } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, isMain, options) {
    const subpath = request === 'featureflow' ? '.' : request.startsWith('featureflow/') ? `./${request.slice(12)}` : undefined;
    const source = subpath === undefined ? undefined : exports[subpath]?.[CONDITION];
    if (source) {
      let manifest;
      try {
        manifest = original.call(this, 'featureflow/package.json', parent, isMain, options);
      } catch {
        manifest = undefined;
      }
      if (manifest && path.dirname(manifest) === root) return path.join(root, source);
    }
    return original.call(this, request, parent, isMain, options);
  };
}
