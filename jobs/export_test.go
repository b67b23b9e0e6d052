package jobs

import "github.com/jackc/pgx/v5"

// InTxForBench exposes inTx to the benchmark that compares insert paths.
func InTxForBench(c *pgx.Conn) pgx.Tx { return inTx{c} }
