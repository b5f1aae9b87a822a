/** Materialization: the latest offline values into the online store, by range or incrementally (SPEC section 3). */
export { materialize } from './materialize.js';
export { materializeIncremental } from './materialize-incremental.js';
export {
  materializeView,
  selectOnlineViews,
  type MaterializeDeps,
  type MaterializeOptions,
  type MaterializeProgress,
  type ViewMaterialization,
} from './materialize-view.js';
