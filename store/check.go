package store

// CheckStatus is the outcome of one launch-readiness check.
type CheckStatus string

// A check passes (ok), asks for attention (warn), blocks a launch (fail), or
// could not be made here (skip: not configured, or no network).
const (
	CheckOK   CheckStatus = "ok"
	CheckWarn CheckStatus = "warn"
	CheckFail CheckStatus = "fail"
	CheckSkip CheckStatus = "skip"
)

// Check is one launch-readiness check of the deployment (switchboard doctor,
// the console's settings page): what was checked, the outcome, what was found,
// and for warn and fail what to do about it. Detail and Fix never hold a
// secret.
type Check struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	Detail string      `json:"detail"`
	Fix    string      `json:"fix"`
}

// ChecksFailed counts the checks that failed.
func ChecksFailed(cs []Check) int {
	n := 0
	for _, c := range cs {
		if c.Status == CheckFail {
			n++
		}
	}
	return n
}
