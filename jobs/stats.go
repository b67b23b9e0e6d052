package jobs

import (
	"context"
	"fmt"

	"pasched/sqlstore"
)

// KindState is how many jobs of a kind are in a state.
type KindState struct {
	Kind, State string
	N           int
}

// CountJobs counts the queue by kind and state (for /metrics). River keeps
// finished jobs for a day, so the table stays small.
func CountJobs(ctx context.Context, db *sqlstore.DB) ([]KindState, error) {
	rows, err := db.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM river_job GROUP BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	var out []KindState
	for rows.Next() {
		var ks KindState
		if err := rows.Scan(&ks.Kind, &ks.State, &ks.N); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		out = append(out, ks)
	}
	return out, rows.Err()
}
