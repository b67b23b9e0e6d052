package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"

	"pasched/seedimport"
)

// importCmd is `pasched import --from URL [--force]`: move a seed (Django)
// deployment's data into DATABASE_URL, then print what was copied and the
// rows our rules would have refused.
func importCmd(ctx context.Context, cfg *config, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	from := fs.String("from", "", "the seed's database: sqlite:///path/db.sqlite3 or postgres://… (required)")
	force := fs.Bool("force", false, "replace the users, periods and shifts already in the target")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || fs.NArg() > 0 {
		return errors.New("usage: pasched import --from URL [--force]")
	}
	a, err := openApp(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer a.close()
	rep, err := seedimport.Import(ctx, *from, a.scheduling, seedimport.Opts{Force: *force})
	if err != nil {
		return err
	}
	tables := make([]string, 0, len(rep.Rows))
	for t := range rep.Rows {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	fmt.Println("imported:")
	for _, t := range tables {
		fmt.Printf("  %-26s %d rows\n", t, rep.Rows[t])
	}
	fmt.Printf("recomputed: critical_time_coverage %d rows, weekly_coverage %d rows\n", rep.Coverage, rep.Weeks)
	if len(rep.Findings) == 0 {
		fmt.Println("every row passes our rules")
		return nil
	}
	fmt.Printf("%d rows our rules would refuse or flag (imported as they were):\n", len(rep.Findings))
	for _, f := range rep.Findings {
		status := ""
		if f.Status != "" {
			status = " [" + f.Status + "]"
		}
		fmt.Printf("  %s %d%s %s: %s\n", f.Table, f.ID, status, f.Rule, f.Detail)
	}
	return nil
}
