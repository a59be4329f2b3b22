package model

import (
	"strings"
	"testing"
)

func TestCheckCredential(t *testing.T) {
	tests := []struct {
		value string
		ok    bool
	}{
		{"", true},
		{"Abc123_-.~+/=", true},
		{"dw_0123456789abcdef", true},
		{"pässwörd", true},
		{"s3cr\n", false},
		{" s3cr", false},
		{"to k", false},
		{"s3cr\t", false},
		{"s3cr\r", false},
		{"s3cr\x00", false},
		{"s3cr\x1b[0m", false},
		{"s3cr\x7f", false},
		{"s3cr\u00a0", false}, // no-break space
		{"s3cr\u2028", false}, // line separator
		{"s3cr\u200b", false}, // zero-width space
		{"\ufeffs3cr", false}, // byte-order mark
	}
	for _, tt := range tests {
		err := CheckCredential("api_key", tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("CheckCredential(%q) = %v, want ok=%v", tt.value, err, tt.ok)
			continue
		}
		if err == nil {
			continue
		}
		fe, ok := err.(*FieldError)
		if !ok || fe.Field != "api_key" || !strings.Contains(fe.Message, "api_key") {
			t.Errorf("CheckCredential(%q) = %#v, want a FieldError naming api_key", tt.value, err)
		}
		if strings.Contains(fe.Message, "s3cr") {
			t.Errorf("message %q repeats the secret", fe.Message)
		}
	}
}
