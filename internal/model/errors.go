package model

// FieldError says which input field is wrong and why. The API answers it
// with 400 and the field's name.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, msg string) *FieldError { return &FieldError{Field: field, Message: msg} }
