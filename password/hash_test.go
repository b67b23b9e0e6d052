package password

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashFormat(t *testing.T) {
	t.Parallel()
	enc, err := Hash("Sunflower-Orbit-42")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "argon2$argon2id$v=19$m=19456,t=2,p=1$"
	if !strings.HasPrefix(enc, prefix) {
		t.Fatalf("Hash = %q, want prefix %q", enc, prefix)
	}
	h, err := parseArgon2(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.salt) != SaltLen || len(h.key) != KeyLen || h.outdated() {
		t.Errorf("Hash wrote salt %d bytes, key %d bytes, outdated %v", len(h.salt), len(h.key), h.outdated())
	}
	if ok, rehash, err := Verify("Sunflower-Orbit-42", enc); !ok || rehash || err != nil {
		t.Errorf("Verify(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	if ok, rehash, err := Verify("sunflower-orbit-42", enc); ok || rehash || err != nil {
		t.Errorf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
	again, _ := Hash("Sunflower-Orbit-42")
	if again == enc {
		t.Error("two hashes of one password are equal: salt not random")
	}
}

// Golden vectors. The pbkdf2 ones come from Debian's Django 3.2.25
// make_password (260,000 iterations) and PBKDF2PasswordHasher().encode with
// Django 5.2's 1,000,000 iterations; the argon2 ones from libargon2 (the C
// reference implementation argon2-cffi wraps) with Django's 22-character
// salts, prefixed with "argon2" as Django's Argon2PasswordHasher does.
func TestVerifyVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		plain   string
		encoded string
		rehash  bool
		slow    bool
	}{
		{"django pbkdf2_sha256", "Sunflower-Orbit-42",
			"pbkdf2_sha256$260000$3yYtvYJANkmMTNPeDXbUd8$uvkl5Cq2uT9juP8fSSnTFOvh2Mzv/Q3ys6rhRTTWgdg=", true, false},
		{"django pbkdf2_sha256 unicode", "pässwörd-ünïcode-☃",
			"pbkdf2_sha256$260000$EYPbxPlIGZJn89ukLFicAF$A++A7tVBnsTxvCBZI8/X2pgSauJzvRwTzL06DRh1hEk=", true, false},
		{"django 5.2 pbkdf2_sha256 1M iterations", "Maple-Comet-55",
			"pbkdf2_sha256$1000000$q3XyZ0pLmN8rT2uVwA4bCd$glWTzEjPJNVBh7m9DUblyz+ietGqPnW6d3yIQqWZYJA=", true, true},
		{"django pbkdf2_sha1", "Sunflower-Orbit-42",
			"pbkdf2_sha1$260000$10nj5PxBQx6r7P3CEqb99c$6Ruex2ZcN+xspOWKToxQo0TzL3I=", true, false},
		{"django argon2id defaults", "Sunflower-Orbit-42",
			"argon2$argon2id$v=19$m=102400,t=2,p=8$V3E4ZDNaa0xtTjBwUjdzVDF1VnhZeg$bsBOka3NqZXodhMR8vP/4Si6CGx9457BQY+oD9S4WA8", true, true},
		{"argon2i", "Sunflower-Orbit-42",
			"argon2$argon2i$v=19$m=512,t=2,p=2$YUIzZEU1Zkc3aEo5a0wxbU4ycFE0cg$THTODl8THheGAT+d1ivHy1fWJ4GROPpKl8AX1WROM8o", true, false},
		{"argon2id current parameters", "Sunflower-Orbit-42",
			"argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$6P0TkSMZcHujMr3I8P59aJjx3Czh6bKrExVmXSvEg0k", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.slow && testing.Short() {
				t.Skip("slow hash")
			}
			t.Parallel()
			if ok, rehash, err := Verify(tt.plain, tt.encoded); !ok || rehash != tt.rehash || err != nil {
				t.Errorf("Verify(right) = %v, %v, %v; want true, %v, nil", ok, rehash, err, tt.rehash)
			}
			if ok, rehash, err := Verify(tt.plain+"x", tt.encoded); ok || rehash || err != nil {
				t.Errorf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

func TestVerifyRehash(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	enc := func(variant string, m, tm uint32, p uint8, salt []byte, keyLen uint32) string {
		derive := argon2.IDKey
		if variant == "argon2i" {
			derive = argon2.Key
		}
		key := derive([]byte("pw"), salt, tm, m, p, keyLen)
		h := argon2Hash{variant: variant, memory: m, time: tm, threads: p, salt: salt, key: key}
		return h.String()
	}
	tests := []struct {
		name    string
		encoded string
		rehash  bool
	}{
		{"current", enc("argon2id", Memory, Time, Threads, salt, KeyLen), false},
		{"longer salt", enc("argon2id", Memory, Time, Threads, append(salt, "xyz"...), KeyLen), false},
		{"shorter salt", enc("argon2id", Memory, Time, Threads, salt[:8], KeyLen), true},
		{"memory", enc("argon2id", 1024, Time, Threads, salt, KeyLen), true},
		{"time", enc("argon2id", Memory, 1, Threads, salt, KeyLen), true},
		{"threads", enc("argon2id", Memory, Time, 2, salt, KeyLen), true},
		{"key length", enc("argon2id", Memory, Time, Threads, salt, 16), true},
		{"argon2i", enc("argon2i", Memory, Time, Threads, salt, KeyLen), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if ok, rehash, err := Verify("pw", tt.encoded); !ok || rehash != tt.rehash || err != nil {
				t.Errorf("Verify(%q) = %v, %v, %v; want true, %v, nil", tt.encoded, ok, rehash, err, tt.rehash)
			}
		})
	}
}

func TestVerifyUnusable(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"!", "!szwVSRNpQo4ssAehLXMQN5sYC4Ts9QXR6oijeBz4", "!pbkdf2_sha256$1$a$b"} {
		if ok, rehash, err := Verify("", enc); ok || rehash || err != nil {
			t.Errorf("Verify(%q) = %v, %v, %v; want false, false, nil", enc, ok, rehash, err)
		}
		if IsUsable(enc) {
			t.Errorf("IsUsable(%q) = true", enc)
		}
	}
	if !IsUsable("pbkdf2_sha256$1$a$b") {
		t.Error("IsUsable(pbkdf2) = false")
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	const s, k = "c2FsdHNhbHRzYWx0c2FsdA", "6P0TkSMZcHujMr3I8P59aJjx3Czh6bKrExVmXSvEg0k"
	tests := []struct {
		encoded string
		want    error
	}{
		{"", ErrMalformed},
		{"$", ErrMalformed},
		{"plaintext", ErrUnsupported},
		{"md5$salt$hash", ErrUnsupported},
		{"bcrypt_sha256$$2b$12$abc", ErrUnsupported},
		{"argon2", ErrMalformed},
		{"argon2$argon2id$v=19$m=19456,t=2,p=1$" + s, ErrMalformed},
		{"argon2$argon2i$m=512,t=2,p=2$" + s + "$" + k, ErrUnsupported},
		{"argon2$argon2d$v=19$m=512,t=2,p=2$" + s + "$" + k, ErrUnsupported},
		{"argon2$argon2x$v=19$m=512,t=2,p=2$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=16$m=512,t=2,p=2$" + s + "$" + k, ErrUnsupported},
		{"argon2$argon2id$v=$m=512,t=2,p=2$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$19$m=512,t=2,p=2$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$t=2,m=512,p=2$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=512,t=2$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=0,t=2,p=1$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=8,t=2,p=2$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=512,t=0,p=1$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=512,t=65,p=1$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=512,t=2,p=256$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=99999999999,t=2,p=1$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=-512,t=2,p=1$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=+512,t=2,p=1$" + s + "$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=512,t=2,p=1$" + s + "=$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=512,t=2,p=1$c2FsdA$" + k, ErrMalformed},
		{"argon2$argon2id$v=19$m=512,t=2,p=1$" + s + "$", ErrMalformed},
		{"argon2$argon2id$v=19$m=512,t=2,p=1$" + s + "$!!!", ErrMalformed},
		{"pbkdf2_sha256", ErrMalformed},
		{"pbkdf2_sha256$260000$salt", ErrMalformed},
		{"pbkdf2_sha256$$salt$hash", ErrMalformed},
		{"pbkdf2_sha256$0$salt$hash", ErrMalformed},
		{"pbkdf2_sha256$-1$salt$hash", ErrMalformed},
		{"pbkdf2_sha256$1e6$salt$hash", ErrMalformed},
		{"pbkdf2_sha256$99999999999999999999999$salt$hash", ErrMalformed},
		{"pbkdf2_sha256$100000000$salt$hash", ErrMalformed},
		{"pbkdf2_sha256$1$$hash", ErrMalformed},
		{"pbkdf2_sha1$x$salt$hash", ErrMalformed},
	}
	for _, tt := range tests {
		ok, rehash, err := Verify("pw", tt.encoded)
		if ok || rehash || !errors.Is(err, tt.want) {
			t.Errorf("Verify(%q) = %v, %v, %v; want false, false, %v", tt.encoded, ok, rehash, err, tt.want)
		}
	}
	if ok, rehash, err := Verify("pw", "pbkdf2_sha256$1$salt$b0rYx47DZcBg5kjraU7kDepYSEsDcfvWFxWsRBC3OAo="); !ok || !rehash || err != nil {
		t.Errorf("Verify(1 iteration) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	// Well-formed but wrong: no error, as in Django.
	for _, enc := range []string{
		"pbkdf2_sha256$1$salt$hash",
		"pbkdf2_sha256$1$salt$hash$with$dollars",
		// Django re-encodes the iteration count, so a leading zero fails.
		"pbkdf2_sha256$01$salt$b0rYx47DZcBg5kjraU7kDepYSEsDcfvWFxWsRBC3OAo=",
	} {
		if ok, rehash, err := Verify("pw", enc); ok || rehash || err != nil {
			t.Errorf("Verify(%q) = %v, %v, %v; want false, false, nil", enc, ok, rehash, err)
		}
	}
}

func TestCheckDummy(t *testing.T) {
	t.Parallel()
	// CheckDummy costs what a Verify of a current hash costs because it is
	// one: its hash has exactly the parameters Hash writes.
	h, err := parseArgon2(dummyEncoded)
	if err != nil {
		t.Fatal(err)
	}
	if h.outdated() {
		t.Errorf("dummy hash %q is not current", dummyEncoded)
	}
	CheckDummy("Sunflower-Orbit-42")
}

func FuzzVerify(f *testing.F) {
	for _, s := range []string{
		"", "!", "$", "$$$$$",
		"pbkdf2_sha256$260000$3yYtvYJANkmMTNPeDXbUd8$uvkl5Cq2uT9juP8fSSnTFOvh2Mzv/Q3ys6rhRTTWgdg=",
		"pbkdf2_sha1$1$s$6Ruex2ZcN+xspOWKToxQo0TzL3I=",
		"argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$6P0TkSMZcHujMr3I8P59aJjx3Czh6bKrExVmXSvEg0k",
		"argon2$argon2i$v=19$m=16,t=1,p=2$YUIzZEU1Zkc3aEo5a0wxbU4ycFE0cg$THTODl8THheGAT+d1ivHy1fWJ4GROPpKl8AX1WROM8o",
		"argon2$argon2id$v=19$m=19456,t=2,p=1$$",
		"argon2$argon2d$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAA",
	} {
		f.Add("Sunflower-Orbit-42", s)
	}
	f.Fuzz(func(t *testing.T, plain, encoded string) {
		// Keep each run cheap: skip costs a fuzzer would spend seconds on.
		if h, err := parseArgon2(encoded); err == nil && uint64(h.memory)*uint64(h.time) > 4096 {
			t.Skip()
		}
		if h, err := parsePBKDF2(encoded); err == nil && h.iterations > 10000 {
			t.Skip()
		}
		ok, rehash, err := Verify(plain, encoded)
		if err != nil && (ok || rehash) {
			t.Fatalf("Verify(%q) = %v, %v with error %v", encoded, ok, rehash, err)
		}
		if rehash && !ok {
			t.Fatalf("Verify(%q): needsRehash without ok", encoded)
		}
		if ok && !IsUsable(encoded) {
			t.Fatalf("unusable %q verified", encoded)
		}
	})
}

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("Sunflower-Orbit-42"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	enc, _ := Hash("Sunflower-Orbit-42")
	for b.Loop() {
		if ok, _, _ := Verify("Sunflower-Orbit-42", enc); !ok {
			b.Fatal("no match")
		}
	}
}

func BenchmarkVerifyDjangoPBKDF2(b *testing.B) {
	const enc = "pbkdf2_sha256$1000000$q3XyZ0pLmN8rT2uVwA4bCd$glWTzEjPJNVBh7m9DUblyz+ietGqPnW6d3yIQqWZYJA="
	for b.Loop() {
		if ok, _, _ := Verify("Maple-Comet-55", enc); !ok {
			b.Fatal("no match")
		}
	}
}

// SetTestCost: hashes written under it have the test cost, verify, and are
// current until restore; afterwards they ask for a rehash and new hashes
// have the production cost again. (Not parallel: it changes the package's
// cost for every test running at the time.)
func TestSetTestCost(t *testing.T) {
	restore := SetTestCost(TestCost)
	enc, err := Hash("Sunflower-Orbit-42")
	if err != nil {
		t.Fatal(err)
	}
	if want := "argon2$argon2id$v=19$m=8,t=1,p=1$"; !strings.HasPrefix(enc, want) {
		restore()
		t.Fatalf("Hash under TestCost = %q, want prefix %q", enc, want)
	}
	if ok, rehash, err := Verify("Sunflower-Orbit-42", enc); !ok || rehash || err != nil {
		t.Errorf("Verify under TestCost = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	CheckDummy("Sunflower-Orbit-42")
	restore()
	if ok, rehash, err := Verify("Sunflower-Orbit-42", enc); !ok || !rehash || err != nil {
		t.Errorf("Verify after restore = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	if enc, _ := Hash("x"); !strings.HasPrefix(enc, "argon2$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash after restore = %q", enc)
	}
	for _, bad := range []Cost{{Memory: 7, Time: 1, Threads: 1}, {Memory: 8, Time: 0, Threads: 1}, {Memory: 8, Time: 1, Threads: 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SetTestCost(%+v) did not panic", bad)
				}
			}()
			SetTestCost(bad)()
		}()
	}
}
