package dns

import (
	"strings"
	"unicode/utf8"
)

// The content of a TXT record.
//
// Record.Content of a TXT record is its value: the text a resolver hands
// to a program, the record's character strings joined, without quotes or
// escapes ("v=spf1 -all", an ACME challenge's 43-character digest). It is
// compared exactly: TXT values are case-sensitive. A provider whose API
// takes the zone-file form converts at its boundary with QuoteTXT and
// UnquoteTXT, so that a value reads back as it was written whichever form
// the provider stored.

// maxTXTString is RFC 1035's limit of one character string, in bytes.
const maxTXTString = 255

// QuoteTXT writes a TXT value in zone-file form (RFC 1035 §5.1): quoted
// character strings of at most 255 bytes each, separated by a space, with
// `"` and `\` escaped. A longer value is split between UTF-8 characters,
// so that every string is valid text.
func QuoteTXT(value string) string {
	var b strings.Builder
	b.Grow(len(value) + 2)
	for first := true; first || value != ""; first = false {
		n := len(value)
		if n > maxTXTString {
			n = maxTXTString
			for n > 0 && !utf8.RuneStart(value[n]) {
				n--
			}
			if n == 0 { // not UTF-8: split at the limit
				n = maxTXTString
			}
		}
		if !first {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for i := 0; i < n; i++ {
			if c := value[i]; c == '"' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(value[i])
		}
		b.WriteByte('"')
		value = value[n:]
	}
	return b.String()
}

// UnquoteTXT reads the value of TXT content as a provider stores it.
// Content made of quoted character strings (`"a" "b"`) is their text,
// joined and unescaped (`\"`, `\\`, `\DDD`). Anything else is taken as it
// stands: content saved without quotes (Cloudflare's API keeps what it is
// sent, and serves unquoted content as one string), or content that does
// not parse as quoted strings.
func UnquoteTXT(content string) string {
	s := strings.TrimSpace(content)
	if !strings.HasPrefix(s, `"`) {
		return content
	}
	var b strings.Builder
	for s != "" {
		if s[0] != '"' {
			return content
		}
		i := 1
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] != '\\' {
				b.WriteByte(s[i])
				continue
			}
			i++
			switch {
			case i >= len(s):
				return content
			case i+2 < len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]):
				n := int(s[i]-'0')*100 + int(s[i+1]-'0')*10 + int(s[i+2]-'0')
				if n > 255 {
					return content
				}
				b.WriteByte(byte(n))
				i += 2
			default:
				b.WriteByte(s[i])
			}
		}
		if i >= len(s) { // no closing quote
			return content
		}
		rest := s[i+1:]
		s = strings.TrimLeft(rest, " \t")
		if s != "" && len(s) == len(rest) { // `"a"b`: strings must be apart
			return content
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// SameTXT sorts the records of a listing that a TXT write of want (without
// ID) is about: ours, our TXT records of want's name and value (by
// marker), and foreign, the TXT records of that name and value that are
// not ours. TXT records of other values at the name are in neither.
func SameTXT(recs []Record, want Record, marker string) (ours, foreign []Record) {
	want = want.Normalize()
	for _, r := range recs {
		n := r.Normalize()
		if n.Name != want.Name || n.Type != "TXT" || n.Content != want.Content {
			continue
		}
		if IsOurs(r, marker) {
			ours = append(ours, r)
		} else {
			foreign = append(foreign, r)
		}
	}
	return ours, foreign
}
