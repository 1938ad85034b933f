package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/switchboardhq/switchboard/store"
)

// This file is the one place Switchboard writes River's table without River:
// the webhook stores an event and the River job that applies it in one
// statement (one round trip, committed on its own), where River's InsertTx
// would take a transaction of four (BEGIN, the event, River's insert, COMMIT);
// the one statement bought about a fifth more acknowledgements a second (README,
// Figures). The row is the one River's InsertTx writes for StripeEventArgs:
// TestIngestJobRowIsRivers compares the two, and TestRiverVersionChecked fails
// when go.mod's River version is not RiverCheckedWith, so the row is checked
// again on every upgrade.

// RiverCheckedWith is the River version this adapter's job row and
// notification were checked against.
const RiverCheckedWith = "v0.51.2"

// riverJobRow is River's job row for each new event row (the CTE ev), as
// River's InsertTx writes it: no unique options, available now. Its
// parameters: the args' JSON, kind, max attempts, priority and queue.
const riverJobRow = `INSERT INTO river_job (args, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags)
	SELECT $14::jsonb, $15, $16, '{}'::jsonb, $17, $18, now(), 'available', '{}'::varchar(255)[]
	FROM ev`

// insertEventWithJob stores a verified event and, only when it is new, its
// apply job, in one statement; it reports whether the event is new.
func insertEventWithJob(ctx context.Context, st *store.Store, ev store.NewEvent) (bool, error) {
	args := StripeEventArgs{EventID: ev.ID}
	b, err := json.Marshal(args)
	if err != nil {
		return false, err
	}
	opts := args.InsertOpts()
	return st.InsertEventAnd(ctx, ev, riverJobRow, string(b), args.Kind(), opts.MaxAttempts, river.PriorityDefault, opts.Queue)
}

// notifyRiverInsert wakes River's producers for a queue, as River does after
// its own inserts.
func notifyRiverInsert(ctx context.Context, st *store.Store, queue string) error {
	return st.NotifyChannel(ctx, "river_insert", fmt.Sprintf("{\"queue\": %q}", queue))
}
