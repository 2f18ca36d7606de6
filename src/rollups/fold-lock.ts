/**
 * The advisory lock (transaction-scoped) that folds and daily rebuilds take: one fold at a time,
 * and no fold while a rebuild replaces the folded rows.
 */
export const FOLD_LOCK = "hashtext('smarketing.rollup_fold')";
