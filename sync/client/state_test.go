package client

import "testing"

func TestUpdateRecordedOutlivesAReopen(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := st.UpdateRecorded(); err != nil || id != "" {
		t.Fatalf("a new state has recorded %q, %v", id, err)
	}
	if err := st.SetUpdateRecorded(""); err == nil {
		t.Fatal("an empty ID was remembered")
	}
	for _, id := range []string{"0a1b2c3d4e5f6a7b", "8899aabbccddeeff"} {
		if err := st.SetUpdateRecorded(id); err != nil {
			t.Fatal(err)
		}
		if got, err := st.UpdateRecorded(); err != nil || got != id {
			t.Fatalf("recorded %q, %v; want %q", got, err, id)
		}
	}
	st.Close()
	st, err = OpenState(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, err := st.UpdateRecorded(); err != nil || got != "8899aabbccddeeff" {
		t.Fatalf("after a reopen: %q, %v", got, err)
	}
	// The key is its own: the cursor and the configuration are untouched.
	if c, err := st.Cursor(); err != nil || c != 0 {
		t.Fatalf("cursor %d, %v", c, err)
	}
	if _, ok, err := st.Config(); err != nil || ok {
		t.Fatalf("config %v, %v", ok, err)
	}
}
