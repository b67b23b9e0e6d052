package api

import "pasched/throttle"

// Rate is DRF's throttle rate: N requests per period ("5/min").
type Rate = throttle.Rate

// ParseRate reads "N/sec|min|hour|day" (throttle.ParseRate).
func ParseRate(s string) (Rate, error) { return throttle.ParseRate(s) }

// throttleNames maps the names the views use to the Set's throttles.
func throttleNames(set *throttle.Set) map[string]*throttle.Limiter {
	return map[string]*throttle.Limiter{
		"login_ip":         set.LoginIP,
		"login_account":    set.LoginAccount,
		"register_ip":      set.RegisterIP,
		"register_account": set.RegisterAccount,
		"reset_ip":         set.ResetIP,
		"reset_account":    set.ResetAccount,
	}
}
