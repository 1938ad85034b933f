package store

import (
	"strconv"
	"strings"
)

// conds builds a WHERE clause from the filters that are set, so a list query
// names only the columns it filters on and the planner can use their index
// (an "empty parameter OR col = $1" pattern defeats it once Postgres caches a
// generic plan for the prepared statement).
type conds struct {
	parts []string
	args  []any
}

// add appends a condition; its one "?" becomes the next placeholder.
func (c *conds) add(cond string, arg any) {
	c.args = append(c.args, arg)
	c.parts = append(c.parts, strings.Replace(cond, "?", "$"+strconv.Itoa(len(c.args)), 1))
}

// where is the clause ("TRUE" without conditions).
func (c *conds) where() string {
	if len(c.parts) == 0 {
		return "TRUE"
	}
	return strings.Join(c.parts, " AND ")
}

// limit appends the LIMIT argument and returns its placeholder.
func (c *conds) limit(n int) string {
	c.args = append(c.args, n)
	return "$" + strconv.Itoa(len(c.args))
}
