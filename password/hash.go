// Package password hashes and verifies user passwords and checks new ones
// against Django's four password validators.
//
// New hashes are argon2id, written in the format of Django's
// Argon2PasswordHasher ("argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash"), so a
// Django install can read them too. Verify also accepts the hashes a Django
// 5.2 seed database holds: pbkdf2_sha256 (Django's default), pbkdf2_sha1
// and argon2 (argon2id or argon2i). Every hash that is not argon2id with the
// current parameters verifies with needsRehash set, so the caller stores a
// fresh Hash of the password after a successful login.
//
// Hashing is deliberately expensive in CPU and memory. The package-level
// functions are unbounded; servers should go through a Hasher, which caps
// how many run at once.
package password

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of new hashes: OWASP's Password Storage Cheat Sheet
// recommendation (m=19 MiB, t=2, p=1). On the 2-core amd64 development
// machine one Hash or Verify costs about 25 ms of one core and allocates
// 19 MiB, so a Hasher with maxConcurrent n holds at most n×19 MiB. (A seed
// pbkdf2_sha256 hash at Django 5.2's 1,000,000 iterations costs about
// 200 ms, once per user: it is replaced at the first login.)
const (
	Memory  = 19456 // KiB
	Time    = 2     // passes over memory
	Threads = 1     // lanes (parallelism)
	SaltLen = 16    // bytes of random salt
	KeyLen  = 32    // bytes of derived key
)

// Bounds on the costs Verify accepts from a stored hash, so that a corrupt
// or hostile row cannot make one login run for minutes or exhaust memory.
// Django 5.2 writes m=102400,t=2,p=8 (argon2) and 1,000,000 iterations
// (pbkdf2_sha256), well inside them.
const (
	maxArgon2Memory = 1 << 20 // KiB (1 GiB)
	maxArgon2Time   = 64
	maxArgon2KeyLen = 1024
	maxArgon2Salt   = 1024
	maxPBKDF2Iter   = 10_000_000
)

// UnusablePrefix starts Django's unusable passwords (set_unusable_password):
// an encoded value beginning with it never verifies.
const UnusablePrefix = "!"

// Errors of Verify for a stored hash that cannot be checked. Both mean bad
// data, not a wrong password; the login must fail either way.
var (
	ErrMalformed   = errors.New("password: malformed hash")
	ErrUnsupported = errors.New("password: unsupported hash algorithm")
)

var b64 = base64.RawStdEncoding.Strict()

// dummyEncoded is an argon2id hash with the current parameters that no
// password matches in practice (its key is all zeros); CheckDummy verifies
// against it.
var dummyEncoded = argon2Hash{
	variant: "argon2id", memory: Memory, time: Time, threads: Threads,
	salt: make([]byte, SaltLen), key: make([]byte, KeyLen),
}.String()

// Cost is the work factor of new argon2id hashes.
type Cost struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes
}

// ProductionCost is what Hash always uses outside tests.
func ProductionCost() Cost { return Cost{Memory: Memory, Time: Time, Threads: Threads} }

// TestCost is argon2id's cheapest valid cost (8 KiB, one pass): a hash or
// verification takes microseconds instead of ~25 ms of CPU and 19 MiB
// (several times that under the race detector). Test binaries that create
// users or log in pass it to SetTestCost; the password package's own tests
// and at least one API test keep the production cost.
var TestCost = Cost{Memory: 8, Time: 1, Threads: 1}

// testCost, when set, replaces the production cost (SetTestCost).
var testCost atomic.Pointer[Cost]

// SetTestCost makes Hash write hashes of cost c, CheckDummy verify against
// one, and Verify ask for a rehash of any other cost, until restore is
// called (restore puts back the cost before the call). It is a test-only
// knob: it panics outside a test binary (testing.Testing), so a server
// always hashes with Memory, Time and Threads. Call it from TestMain, or
// from a test that does not run in parallel with one expecting another cost.
func SetTestCost(c Cost) (restore func()) {
	if !testing.Testing() {
		panic("password: SetTestCost outside a test binary")
	}
	if c.Memory < 8*uint32(c.Threads) || c.Time == 0 || c.Threads == 0 {
		panic(fmt.Sprintf("password: invalid argon2id cost %+v", c))
	}
	prev := testCost.Swap(&c)
	return func() { testCost.Store(prev) }
}

// cost is the cost of new hashes: the production one unless a test set
// another.
func cost() Cost {
	if c := testCost.Load(); c != nil {
		return *c
	}
	return ProductionCost()
}

// Hash returns an argon2id hash of plain with a fresh random salt, in
// Django's Argon2PasswordHasher format.
func Hash(plain string) (string, error) {
	salt := make([]byte, SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: read salt: %w", err)
	}
	c := cost()
	key := argon2.IDKey([]byte(plain), salt, c.Time, c.Memory, c.Threads, KeyLen)
	h := argon2Hash{variant: "argon2id", memory: c.Memory, time: c.Time, threads: c.Threads, salt: salt, key: key}
	return h.String(), nil
}

// Verify reports whether plain matches the encoded hash and, when it does,
// whether the hash should be replaced by a fresh Hash(plain) because it
// uses another algorithm or other parameters than new hashes.
//
// Unusable passwords (UnusablePrefix) return false with no error. A hash
// that cannot be parsed, or whose costs exceed sane bounds, returns false
// with an error wrapping ErrMalformed; an unknown algorithm wraps
// ErrUnsupported. Comparisons are constant-time.
func Verify(plain, encoded string) (ok, needsRehash bool, err error) {
	if strings.HasPrefix(encoded, UnusablePrefix) {
		return false, false, nil
	}
	algo, _, _ := strings.Cut(encoded, "$")
	switch algo {
	case "argon2":
		p, err := parseArgon2(encoded)
		if err != nil {
			return false, false, err
		}
		ok = p.verify(plain)
		return ok, ok && p.outdated(), nil
	case "pbkdf2_sha256", "pbkdf2_sha1":
		p, err := parsePBKDF2(encoded)
		if err != nil {
			return false, false, err
		}
		ok = p.verify(plain)
		return ok, ok, nil
	case "":
		return false, false, fmt.Errorf("%w: no algorithm", ErrMalformed)
	default:
		// The field is not quoted: it could be a plaintext password.
		return false, false, ErrUnsupported
	}
}

// IsUsable reports whether encoded can ever verify, as Django's
// is_password_usable: false for unusable passwords set with a "!" prefix.
func IsUsable(encoded string) bool {
	return !strings.HasPrefix(encoded, UnusablePrefix)
}

// CheckDummy spends the time and memory of a Verify against a current hash
// and discards the result. Call it when a login names an unknown account so
// that the response time does not reveal which accounts exist.
func CheckDummy(plain string) {
	if c := testCost.Load(); c != nil {
		_, _, _ = Verify(plain, argon2Hash{
			variant: "argon2id", memory: c.Memory, time: c.Time, threads: c.Threads,
			salt: make([]byte, SaltLen), key: make([]byte, KeyLen),
		}.String())
		return
	}
	_, _, _ = Verify(plain, dummyEncoded)
}

// argon2Hash is a parsed "argon2$<variant>$v=19$m=,t=,p=$salt$key".
type argon2Hash struct {
	variant string // "argon2id" or "argon2i"
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

// String encodes h in Django's Argon2PasswordHasher format.
func (h argon2Hash) String() string {
	return fmt.Sprintf("argon2$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		h.variant, argon2.Version, h.memory, h.time, h.threads,
		b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

func parseArgon2(encoded string) (argon2Hash, error) {
	var h argon2Hash
	parts := strings.Split(encoded, "$")
	// Django's format is argon2-cffi's PHC string behind "argon2".
	if len(parts) != 6 {
		if len(parts) == 5 && strings.HasPrefix(parts[2], "m=") {
			// Argon2 version 1.0 (0x10) hashes had no "v=" part.
			return h, fmt.Errorf("%w: argon2 version 0x10", ErrUnsupported)
		}
		return h, fmt.Errorf("%w: argon2: want 6 fields, got %d", ErrMalformed, len(parts))
	}
	h.variant = parts[1]
	switch h.variant {
	case "argon2id", "argon2i":
	case "argon2d":
		return h, fmt.Errorf("%w: argon2d", ErrUnsupported)
	default:
		return h, fmt.Errorf("%w: argon2 variant %.20q", ErrMalformed, h.variant)
	}
	version, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return h, fmt.Errorf("%w: argon2 version field", ErrMalformed)
	}
	if v, err := parseUint(version, math.MaxUint32); err != nil {
		return h, fmt.Errorf("%w: argon2 version", ErrMalformed)
	} else if v != argon2.Version {
		return h, fmt.Errorf("%w: argon2 version %d", ErrUnsupported, v)
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return h, fmt.Errorf("%w: argon2 parameters", ErrMalformed)
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		s, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return h, fmt.Errorf("%w: argon2 parameter %d", ErrMalformed, i)
		}
		v, err := parseUint(s, maxArgon2Memory)
		if err != nil || v == 0 {
			return h, fmt.Errorf("%w: argon2 parameter %s", ErrMalformed, name)
		}
		vals[i] = v
	}
	if vals[1] > maxArgon2Time || vals[2] > 255 || vals[0] < 8*vals[2] {
		return h, fmt.Errorf("%w: argon2 cost out of range", ErrMalformed)
	}
	h.memory, h.time, h.threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 || len(h.salt) > maxArgon2Salt {
		return h, fmt.Errorf("%w: argon2 salt", ErrMalformed)
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 4 || len(h.key) > maxArgon2KeyLen {
		return h, fmt.Errorf("%w: argon2 hash", ErrMalformed)
	}
	return h, nil
}

func (h argon2Hash) verify(plain string) bool {
	derive := argon2.IDKey
	if h.variant == "argon2i" {
		derive = argon2.Key
	}
	key := derive([]byte(plain), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

// outdated reports whether the hash differs from what Hash writes now. As
// in Django, a longer salt than SaltLen is fine (Django's are 22 bytes).
func (h argon2Hash) outdated() bool {
	c := cost()
	return h.variant != "argon2id" || h.memory != c.Memory || h.time != c.Time ||
		h.threads != c.Threads || len(h.key) != KeyLen || len(h.salt) < SaltLen
}

// pbkdf2Hash is a parsed Django "pbkdf2_sha256$<iterations>$<salt>$<b64>".
type pbkdf2Hash struct {
	encoded    string
	algo       string
	iterations int
	salt       string
}

func parsePBKDF2(encoded string) (pbkdf2Hash, error) {
	parts := strings.SplitN(encoded, "$", 4)
	if len(parts) != 4 {
		return pbkdf2Hash{}, fmt.Errorf("%w: pbkdf2: want 4 fields", ErrMalformed)
	}
	iter, err := parseUint(parts[1], maxPBKDF2Iter)
	if err != nil || iter == 0 {
		return pbkdf2Hash{}, fmt.Errorf("%w: pbkdf2 iterations", ErrMalformed)
	}
	if parts[2] == "" {
		// Django asserts a non-empty salt when encoding.
		return pbkdf2Hash{}, fmt.Errorf("%w: pbkdf2 salt", ErrMalformed)
	}
	return pbkdf2Hash{encoded: encoded, algo: parts[0], iterations: int(iter), salt: parts[2]}, nil
}

// verify re-encodes plain with the stored algorithm, iterations and salt and
// compares the whole string, exactly as Django's PBKDF2PasswordHasher does.
func (h pbkdf2Hash) verify(plain string) bool {
	var newHash func() hash.Hash
	size := 0
	switch h.algo {
	case "pbkdf2_sha256":
		newHash, size = sha256.New, sha256.Size
	case "pbkdf2_sha1":
		newHash, size = sha1.New, sha1.Size
	default:
		return false
	}
	key, err := pbkdf2.Key(newHash, plain, []byte(h.salt), h.iterations, size)
	if err != nil {
		return false
	}
	again := h.algo + "$" + strconv.Itoa(h.iterations) + "$" + h.salt + "$" +
		base64.StdEncoding.EncodeToString(key)
	return subtle.ConstantTimeCompare([]byte(again), []byte(h.encoded)) == 1
}

// parseUint parses a plain decimal number (ASCII digits only, no sign) not
// above max.
func parseUint(s string, max uint64) (uint64, error) {
	if s == "" || len(s) > 20 {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > max {
		return 0, strconv.ErrRange
	}
	return v, nil
}
