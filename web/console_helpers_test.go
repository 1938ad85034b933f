package web_test

import "fmt"

func fmtPath(format string, args ...any) string { return fmt.Sprintf(format, args...) }
