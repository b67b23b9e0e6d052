package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"pasched/demo"
	"pasched/schedule"
)

// demoCmd is `pasched demo [--seed N] [--start YYYY-MM]`: fill an empty
// database with a believable household and say how to sign in.
func demoCmd(ctx context.Context, cfg *config, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	seed := fs.Int64("seed", 1, "drives every choice: the same seed and start month give the same data")
	start := fs.String("start", "", "first of the three months, YYYY-MM (default: last month)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: pasched demo [--seed N] [--start YYYY-MM]")
	}
	var o demo.Opts
	o.Seed = *seed
	if *start != "" {
		d, err := schedule.ParseDate(*start + "-01")
		if err != nil || strings.Count(*start, "-") != 1 {
			return fmt.Errorf("--start %q: want YYYY-MM", *start)
		}
		o.Start = d
	}
	a, err := openApp(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer a.close()
	res, err := demo.Fill(ctx, demo.Deps{Accounts: a.accounts, Scheduling: a.scheduling, Jobs: a.jobs.Client}, o)
	if err != nil {
		return err
	}
	fmt.Printf("Demo household made (seed %d).\n\n", *seed)
	fmt.Printf("Periods:")
	for _, p := range res.Periods {
		fmt.Printf(" %s (%s)", p.Name, p.Status)
	}
	fmt.Printf("\nShifts: %d approved (%d overnight), %d pending, %d rejected, %d cancelled\n",
		res.Shifts["APPROVED"], res.Overnight, res.Shifts["PENDING"], res.Shifts["REJECTED"], res.Shifts["CANCELLED"])
	fmt.Printf("Uncovered critical times on:")
	for _, g := range res.Gaps {
		fmt.Printf(" %s", g)
	}
	fmt.Printf("\nOvertime: %s\n", res.Overtime)
	fmt.Printf("Emails of the demo's events discarded: %d\n\n", res.EmailsDiscarded)
	fmt.Printf("Sign in (pasched serve, then the web app, or the API):\n")
	fmt.Printf("  admin  %-20s password %s\n", res.Admin.Email, demo.AdminPassword)
	for _, p := range res.PAs {
		fmt.Printf("  PA     %-20s password %s   (%s, %d h/week)\n", p.Email, demo.PAPassword, p.Name, p.MaxHoursPerWeek)
	}
	fmt.Printf("\n  curl -s -X POST localhost:8000/api/auth/login/ -H 'Content-Type: application/json' \\\n")
	fmt.Printf("      -d '{\"email\":\"%s\",\"password\":\"%s\"}'\n", res.Admin.Email, demo.AdminPassword)
	return nil
}
