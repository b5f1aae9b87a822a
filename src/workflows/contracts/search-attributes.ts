/**
 * Search attributes Featureflow reads and writes, in one module shared by the client, the CLI and the workflows.
 * `TemporalScheduledStartTime` is set by Temporal on every run a Schedule starts (its nominal time, also for a
 * Schedule backfill). The three custom attributes label every run Featureflow starts, so the UI's list can be
 * filtered with `FeatureflowView = "user_stats"`, `FeatureflowProject = "fraud"` or `FeatureflowKind = "backfill"`.
 * `featureflow temporal setup` registers them in a namespace (see docs/temporal-search-attributes.md).
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
export const FEATUREFLOW_PROJECT = defineSearchAttributeKey('FeatureflowProject', SearchAttributeType.KEYWORD);
/** A list: one `materialize` run or training set covers several views, and `FeatureflowView = "x"` matches any. */
export const FEATUREFLOW_VIEW = defineSearchAttributeKey('FeatureflowView', SearchAttributeType.KEYWORD_LIST);
/** The workflow type (`backfill`, `materialize`, ...): the same as the UI's own WorkflowType, but also on Schedules. */
export const FEATUREFLOW_KIND = defineSearchAttributeKey('FeatureflowKind', SearchAttributeType.KEYWORD);

export const FEATUREFLOW_SEARCH_ATTRIBUTES = [FEATUREFLOW_PROJECT, FEATUREFLOW_VIEW, FEATUREFLOW_KIND] as const;

/** The custom attributes, by name, as `temporal operator search-attribute create --type` and the dev server take them. */
export const CUSTOM_SEARCH_ATTRIBUTES = { FeatureflowProject: 'Keyword', FeatureflowView: 'KeywordList', FeatureflowKind: 'Keyword' } as const;

/** What a run is about; every field is optional because not every start knows the project or the views. */
export interface RunLabels {
  /** The workflow type. */
  kind: string;
  project?: string | undefined;
  views?: readonly string[] | undefined;
}

/** The attribute values for a run; a view list that is absent or empty sets no FeatureflowView (it would match nothing). */
export function featureflowSearchAttributes(labels: RunLabels): SearchAttributePair[] {
  const views = [...new Set(labels.views ?? [])].sort();
  return [
    ...(labels.project ? [{ key: FEATUREFLOW_PROJECT, value: labels.project }] : []),
    ...(views.length > 0 ? [{ key: FEATUREFLOW_VIEW, value: views }] : []),
    { key: FEATUREFLOW_KIND, value: labels.kind },
  ];
}

/** Views named by feature references (`view:feature`, `view:*`); `service:NAME` names a service, not a view. */
export function viewsOfFeatureRefs(refs: readonly string[] | undefined): string[] {
  const views = (refs ?? []).filter((ref) => ref.indexOf(':') > 0).map((ref) => ref.slice(0, ref.indexOf(':'))).filter((view) => view !== 'service');
  return [...new Set(views)];
}
