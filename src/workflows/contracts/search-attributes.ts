/**
 * Search attributes Featureflow reads and writes. `TemporalScheduledStartTime` is set by Temporal on every run a
 * Schedule starts (its nominal time, also for a Schedule backfill). The two Keyword attributes name the project and
 * view of a Schedule and of the runs it starts, so the UI's list can be filtered with
 * `FeatureflowView = "user_stats"`; `featureflow schedules apply` registers them in the namespace when missing.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
export const FEATUREFLOW_PROJECT = defineSearchAttributeKey('FeatureflowProject', SearchAttributeType.KEYWORD);
export const FEATUREFLOW_VIEW = defineSearchAttributeKey('FeatureflowView', SearchAttributeType.KEYWORD);

/** The custom attributes, by name, as `temporal operator search-attribute create` takes them. */
export const CUSTOM_SEARCH_ATTRIBUTES = { FeatureflowProject: 'Keyword', FeatureflowView: 'Keyword' } as const;
