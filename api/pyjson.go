package api

import (
	"fmt"
	"strings"
)

// This file words malformed request bodies as the seed does. DRF's
// JSONParser decodes the body with Python's UTF-8 stream reader and parses
// it with Python's json module, and its 400 says "JSON parse error - "
// followed by Python's own message. Go's decoder accepts exactly the JSON
// that Python's accepts (bar NaN and Infinity, which DRF refuses anyway),
// so these run only once Go's decoder has failed, to find the words.

// pyUTF8Check is CPython's UTF-8 stream decoder (codecs.StreamReader in
// "consumed" mode): it returns the length of the text it decodes — a
// sequence cut short by the end of the body is silently left out — or
// Python's UnicodeDecodeError message.
func pyUTF8Check(b []byte) (int, string) {
	cont := func(c byte) bool { return c&0xC0 == 0x80 }
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			i++
			continue
		}
		rem := len(b) - i
		code, n := 0, 0 // code: 0 incomplete, 1 invalid start, 2–4 invalid continuation
		switch {
		case c < 0xC2:
			code = 1
		case c < 0xE0:
			switch {
			case rem < 2:
			case !cont(b[i+1]):
				code = 2
			default:
				n = 2
			}
		case c < 0xF0:
			bad2 := func(c2 byte) bool { return !cont(c2) || (c == 0xE0 && c2 < 0xA0) || (c == 0xED && c2 >= 0xA0) }
			switch {
			case rem < 2:
			case bad2(b[i+1]):
				code = 2
			case rem < 3:
			case !cont(b[i+2]):
				code = 3
			default:
				n = 3
			}
		case c < 0xF5:
			bad2 := func(c2 byte) bool { return !cont(c2) || (c == 0xF0 && c2 < 0x90) || (c == 0xF4 && c2 >= 0x90) }
			switch {
			case rem < 2:
			case bad2(b[i+1]):
				code = 2
			case rem < 3:
			case !cont(b[i+2]):
				code = 3
			case rem < 4:
			case !cont(b[i+3]):
				code = 4
			default:
				n = 4
			}
		default:
			code = 1
		}
		if n > 0 {
			i += n
			continue
		}
		switch {
		case code == 0:
			return i, ""
		case code == 2 && c == 0xED && rem == 2 && b[i+1] >= 0xA0 && b[i+1] <= 0xBF:
			// A surrogate cut short by the end: CPython waits for more.
			return i, ""
		case code == 1:
			return i, fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: invalid start byte", c, i)
		case code == 2:
			return i, fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: invalid continuation byte", c, i)
		default:
			return i, fmt.Sprintf("'utf-8' codec can't decode bytes in position %d-%d: invalid continuation byte", i, i+code-2)
		}
	}
	return len(b), ""
}

// pyMaxDepth bounds nesting, as Python's recursion limit does.
const pyMaxDepth = 10000

// pyJSONError returns the message of the ValueError Python's json.loads
// (with DRF's parse_constant) raises for text, or "" when it parses.
// It ports CPython 3.11's C scanner (Modules/_json.c), positions and all.
func pyJSONError(text string) string {
	p := &pyScanner{s: []rune(text)}
	if len(p.s) > 0 && p.s[0] == 0xFEFF {
		return p.format("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
	}
	end, err := p.scanOnce(p.skipWS(0))
	if err == "" {
		if end = p.skipWS(end); end != len(p.s) {
			err = p.format("Extra data", end)
		}
	}
	return err
}

type pyScanner struct {
	s     []rune
	depth int
}

// format is JSONDecodeError's message: "msg: line L column C (char N)".
func (p *pyScanner) format(msg string, pos int) string {
	line, col := 1, pos+1
	for i := 0; i < pos && i < len(p.s); i++ {
		if p.s[i] == '\n' {
			line++
			col = pos - i
		}
	}
	return fmt.Sprintf("%s: line %d column %d (char %d)", msg, line, col, pos)
}

func (p *pyScanner) skipWS(i int) int {
	for i < len(p.s) && (p.s[i] == ' ' || p.s[i] == '\t' || p.s[i] == '\n' || p.s[i] == '\r') {
		i++
	}
	return i
}

func (p *pyScanner) at(i int, word string) bool {
	if i+len(word) > len(p.s) {
		return false
	}
	for j := 0; j < len(word); j++ {
		if p.s[i+j] != rune(word[j]) {
			return false
		}
	}
	return true
}

// scanOnce reads one value at idx and returns where it ends, or an error
// message. Python's StopIteration (no value here) becomes "Expecting value".
func (p *pyScanner) scanOnce(idx int) (int, string) {
	if idx >= len(p.s) {
		return 0, p.format("Expecting value", idx)
	}
	switch c := p.s[idx]; {
	case c == '"':
		return p.scanString(idx + 1)
	case c == '{', c == '[':
		if p.depth++; p.depth > pyMaxDepth {
			kind := "object"
			if c == '[' {
				kind = "array"
			}
			return 0, "maximum recursion depth exceeded while decoding a JSON " + kind + " from a unicode string"
		}
		defer func() { p.depth-- }()
		if c == '{' {
			return p.parseObject(idx + 1)
		}
		return p.parseArray(idx + 1)
	case c == 'n' && p.at(idx, "null"):
		return idx + 4, ""
	case c == 't' && p.at(idx, "true"):
		return idx + 4, ""
	case c == 'f' && p.at(idx, "false"):
		return idx + 5, ""
	case c == 'N' && p.at(idx, "NaN"):
		return 0, "Out of range float values are not JSON compliant: 'NaN'"
	case c == 'I' && p.at(idx, "Infinity"):
		return 0, "Out of range float values are not JSON compliant: 'Infinity'"
	case c == '-' && p.at(idx, "-Infinity"):
		return 0, "Out of range float values are not JSON compliant: '-Infinity'"
	}
	return p.matchNumber(idx)
}

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' }

func (p *pyScanner) matchNumber(start int) (int, string) {
	s, last := p.s, len(p.s)-1
	idx := start
	if s[idx] == '-' {
		idx++
		if idx > last {
			return 0, p.format("Expecting value", start)
		}
	}
	switch {
	case s[idx] >= '1' && s[idx] <= '9':
		idx++
		for idx <= last && isDigitRune(s[idx]) {
			idx++
		}
	case s[idx] == '0':
		idx++
	default:
		return 0, p.format("Expecting value", start)
	}
	if idx < last && s[idx] == '.' && isDigitRune(s[idx+1]) {
		idx += 2
		for idx <= last && isDigitRune(s[idx]) {
			idx++
		}
	}
	if idx < last && (s[idx] == 'e' || s[idx] == 'E') {
		eStart := idx
		idx++
		if idx < last && (s[idx] == '-' || s[idx] == '+') {
			idx++
		}
		for idx <= last && isDigitRune(s[idx]) {
			idx++
		}
		if !isDigitRune(s[idx-1]) {
			idx = eStart
		}
	}
	return idx, ""
}

func (p *pyScanner) parseObject(idx int) (int, string) {
	s, last := p.s, len(p.s)-1
	idx = p.skipWS(idx)
	if idx > last || s[idx] != '}' {
		for {
			if idx > last || s[idx] != '"' {
				return 0, p.format("Expecting property name enclosed in double quotes", idx)
			}
			next, err := p.scanString(idx + 1)
			if err != "" {
				return 0, err
			}
			idx = p.skipWS(next)
			if idx > last || s[idx] != ':' {
				return 0, p.format("Expecting ':' delimiter", idx)
			}
			idx = p.skipWS(idx + 1)
			if next, err = p.scanOnce(idx); err != "" {
				return 0, err
			}
			idx = p.skipWS(next)
			if idx <= last && s[idx] == '}' {
				break
			}
			if idx > last || s[idx] != ',' {
				return 0, p.format("Expecting ',' delimiter", idx)
			}
			idx = p.skipWS(idx + 1)
		}
	}
	return idx + 1, ""
}

func (p *pyScanner) parseArray(idx int) (int, string) {
	s, last := p.s, len(p.s)-1
	idx = p.skipWS(idx)
	if idx > last || s[idx] != ']' {
		for {
			next, err := p.scanOnce(idx)
			if err != "" {
				return 0, err
			}
			idx = p.skipWS(next)
			if idx <= last && s[idx] == ']' {
				break
			}
			if idx > last || s[idx] != ',' {
				return 0, p.format("Expecting ',' delimiter", idx)
			}
			idx = p.skipWS(idx + 1)
		}
	}
	return idx + 1, ""
}

func hexRune(r rune) rune {
	switch {
	case r >= '0' && r <= '9':
		return r - '0'
	case r >= 'a' && r <= 'f':
		return r - 'a' + 10
	case r >= 'A' && r <= 'F':
		return r - 'A' + 10
	}
	return -1
}

// scanString reads a string whose opening quote is at end-1.
func (p *pyScanner) scanString(end int) (int, string) {
	s, n := p.s, len(p.s)
	begin := end - 1
	for {
		next := end
		for ; next < n; next++ {
			c := s[next]
			if c == '"' || c == '\\' {
				break
			}
			if c <= 0x1f {
				return 0, p.format("Invalid control character at", next)
			}
		}
		if next >= n {
			return 0, p.format("Unterminated string starting at", begin)
		}
		c := s[next]
		next++
		if c == '"' {
			return next, ""
		}
		if next == n {
			return 0, p.format("Unterminated string starting at", begin)
		}
		if c = s[next]; c != 'u' {
			end = next + 1
			if !strings.ContainsRune(`"\/bfnrt`, c) {
				return 0, p.format(`Invalid \escape`, end-2)
			}
			continue
		}
		next++
		end = next + 4
		if end >= n {
			return 0, p.format(`Invalid \uXXXX escape`, next-1)
		}
		var cp rune
		for ; next < end; next++ {
			d := hexRune(s[next])
			if d < 0 {
				return 0, p.format(`Invalid \uXXXX escape`, end-5)
			}
			cp = cp<<4 | d
		}
		if cp >= 0xD800 && cp <= 0xDBFF && end+6 < n && s[next] == '\\' && s[next+1] == 'u' {
			next += 2
			end += 6
			var c2 rune
			for ; next < end; next++ {
				d := hexRune(s[next])
				if d < 0 {
					return 0, p.format(`Invalid \uXXXX escape`, end-5)
				}
				c2 = c2<<4 | d
			}
			if c2 < 0xDC00 || c2 > 0xDFFF {
				end -= 6
			}
		}
	}
}
