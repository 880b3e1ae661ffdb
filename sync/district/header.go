package district

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxHeader bounds the age header read before deciding whether to decrypt:
// a header for a few recipients is well under 1 KiB.
const maxHeader = 64 << 10

// checkRecipients refuses sealed data whose age header names more
// recipient stanzas than max, before any of them is tried: every stanza
// costs the district an X25519 operation per identity, so a stolen
// terminal key could otherwise make one 4 MiB request cost seconds of CPU
// — and a stored record the same on every staff view. Terminals seal to
// the keys the district gave them, never more than it has.
func checkRecipients(head []byte, max int) error {
	const intro = "age-encryption.org/v1\n"
	if !bytes.HasPrefix(head, []byte(intro)) {
		return errors.New("not age-encrypted (v1)")
	}
	rest := head[len(intro):]
	n := 0
	for len(rest) > 0 {
		line, after, found := bytes.Cut(rest, []byte("\n"))
		if !found {
			break
		}
		switch {
		case bytes.HasPrefix(line, []byte("---")):
			if n == 0 {
				return errors.New("sealed to no recipient")
			}
			return nil
		case bytes.HasPrefix(line, []byte("-> ")):
			if n++; n > max {
				return fmt.Errorf("sealed to more than %d recipients, the most this district's keys allow", max)
			}
		}
		rest = after
	}
	if len(head) >= maxHeader {
		return fmt.Errorf("age header longer than %d bytes", maxHeader)
	}
	return errors.New("age header not terminated")
}

// maxRecipients is how many recipients a terminal's sealed data may name:
// every key the district has had (a terminal enrolled before a key change
// seals to the key it was given).
func (d *District) maxRecipients() int { return len(d.identities) }

// checkHeader checks the header of sealed data held in memory.
func (d *District) checkHeader(sealed []byte) error {
	return checkRecipients(sealed[:min(len(sealed), maxHeader)], d.maxRecipients())
}

// checkedStream reads sealed data from r after checking its header:
// the header is peeked, not consumed.
func (d *District) checkedStream(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, maxHeader)
	head, err := br.Peek(maxHeader)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	if err := checkRecipients(head, d.maxRecipients()); err != nil {
		return nil, err
	}
	return br, nil
}
