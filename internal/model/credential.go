package model

import (
	"fmt"
	"unicode"
)

// CheckCredential refuses a token, key, user name or password that holds
// whitespace, a control character or an invisible format character (a
// zero-width space, a byte-order mark). Such a character is almost always
// pasted by accident — a trailing newline, a tab from a table — and the
// credential then fails far from where it was entered, at the provider or
// registry. The message names the field and where the character is, never
// the value. The empty string passes: it means "not set".
func CheckCredential(field, value string) error {
	pos := 0
	for _, c := range value {
		pos++
		if unicode.IsSpace(c) || unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
			return fieldErr(field, fmt.Sprintf("%s must not contain whitespace or control characters (%U at character %d)", field, c, pos))
		}
	}
	return nil
}
