// Package intel holds the pure rules of coverage intelligence: a PA's
// pattern statistics (the seed's calculate_pa_patterns, its edge cases made
// right), the gaps in the critical windows, the ranking of the PAs who could
// cover a gap with its reasons in words, the digest's plain text, and the
// local-time schedules of the periodic jobs.
//
// It knows the domain (pasched, schedule) and the standard library only: no
// database, no clock (every function takes "now"), no network. The use cases
// that feed it live in package coverage.
package intel
