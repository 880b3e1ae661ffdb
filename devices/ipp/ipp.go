// Package ipp is the part of the Internet Printing Protocol (RFC 8010 and
// RFC 8011) the terminal speaks to the print system in front of its A4
// printer — the local cupsd, or a printer that speaks IPP itself: the
// message encoding, and the four operations it needs (Print-Job,
// Get-Job-Attributes, Cancel-Job, Get-Printer-Attributes) over HTTP.
// Nothing of a printer's own language is here: CUPS turns the PDF into it.
//
// A message is a version, an operation or status code, a request id, and
// groups of attributes, each attribute a name and one or more values, each
// value a tag and its bytes. Values are kept as bytes with their tag; the
// helpers read integers, enums and strings out of them. Collections are
// kept flat, as the encoding has them (begCollection, member names,
// endCollection): the terminal reads none.
package ipp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Tag is a delimiter (a group's start, the end) or a value's type.
type Tag byte

// Delimiter tags.
const (
	TagOperation   Tag = 0x01
	TagJob         Tag = 0x02
	TagEnd         Tag = 0x03
	TagPrinter     Tag = 0x04
	TagUnsupported Tag = 0x05
)

// Value tags.
const (
	TagUnsupportedValue Tag = 0x10
	TagUnknown          Tag = 0x12
	TagNoValue          Tag = 0x13
	TagInteger          Tag = 0x21
	TagBoolean          Tag = 0x22
	TagEnum             Tag = 0x23
	TagOctetString      Tag = 0x30
	TagDateTime         Tag = 0x31
	TagResolution       Tag = 0x32
	TagRange            Tag = 0x33
	TagBeginCollection  Tag = 0x34
	TagTextLanguage     Tag = 0x35
	TagNameLanguage     Tag = 0x36
	TagEndCollection    Tag = 0x37
	TagText             Tag = 0x41
	TagName             Tag = 0x42
	TagKeyword          Tag = 0x44
	TagURI              Tag = 0x45
	TagURIScheme        Tag = 0x46
	TagCharset          Tag = 0x47
	TagLanguage         Tag = 0x48
	TagMimeType         Tag = 0x49
	TagMemberName       Tag = 0x4A
	// tagExtension says the real tag follows in four bytes; no attribute
	// the terminal reads uses one, and none is accepted.
	tagExtension Tag = 0x7F
)

// Operations the terminal sends.
const (
	OpPrintJob             uint16 = 0x0002
	OpCancelJob            uint16 = 0x0008
	OpGetJobAttributes     uint16 = 0x0009
	OpGetPrinterAttributes uint16 = 0x000B
)

// Status codes the terminal tells apart (RFC 8011 §4.1.6); below 0x0100
// is success.
const (
	StatusOK               uint16 = 0x0000
	StatusBadRequest       uint16 = 0x0400
	StatusNotFound         uint16 = 0x0406
	StatusNotPossible      uint16 = 0x0404
	StatusFormatNotSupport uint16 = 0x040A
	StatusNotAccepting     uint16 = 0x0506
	StatusBusy             uint16 = 0x0507
)

// Version is the protocol version the terminal speaks: 2.0, which cupsd
// and IPP Everywhere printers answer; the answer may carry 1.1.
const Version uint16 = 0x0200

// Value is one value of an attribute: its tag and its bytes as sent.
type Value struct {
	Tag  Tag
	Data []byte
}

// Attribute is a named attribute and its values, in order.
type Attribute struct {
	Name   string
	Values []Value
}

// Group is the attributes under one delimiter tag.
type Group struct {
	Tag   Tag
	Attrs []Attribute
}

// Message is a request or an answer. Code is the operation of a request,
// the status of an answer.
type Message struct {
	Version   uint16
	Code      uint16
	RequestID uint32
	Groups    []Group
}

// Limits on what Decode takes: an answer from a print system is small;
// anything larger is not one.
const (
	maxMessage    = 1 << 20
	maxAttributes = 4096
)

// ErrMalformed is a message that does not follow the encoding.
var ErrMalformed = errors.New("ipp: malformed message")

// Integer makes an integer value.
func Integer(tag Tag, n int32) Value {
	return Value{Tag: tag, Data: binary.BigEndian.AppendUint32(nil, uint32(n))}
}

// String makes a value of a string type (keyword, name, text, URI…).
func String(tag Tag, s string) Value { return Value{Tag: tag, Data: []byte(s)} }

// Int reads an integer or enum value.
func (v Value) Int() (int32, bool) {
	if (v.Tag != TagInteger && v.Tag != TagEnum) || len(v.Data) != 4 {
		return 0, false
	}
	return int32(binary.BigEndian.Uint32(v.Data)), true
}

// Bool reads a boolean value.
func (v Value) Bool() (bool, bool) {
	if v.Tag != TagBoolean || len(v.Data) != 1 {
		return false, false
	}
	return v.Data[0] != 0, true
}

// String reads a value as text: the string types as they are, the
// …WithLanguage types without their language.
func (v Value) String() string {
	switch v.Tag {
	case TagTextLanguage, TagNameLanguage:
		// two-byte length, language, two-byte length, text
		if len(v.Data) >= 2 {
			n := int(binary.BigEndian.Uint16(v.Data))
			if rest := v.Data[2:]; len(rest) >= n+2 {
				rest = rest[n:]
				m := int(binary.BigEndian.Uint16(rest))
				if len(rest) >= 2+m {
					return string(rest[2 : 2+m])
				}
			}
		}
		return ""
	case TagInteger, TagEnum:
		n, _ := v.Int()
		return fmt.Sprint(n)
	}
	return string(v.Data)
}

// Add appends an attribute to the message's last group of tag, starting
// such a group when the last is another.
func (m *Message) Add(tag Tag, name string, values ...Value) {
	if len(m.Groups) == 0 || m.Groups[len(m.Groups)-1].Tag != tag {
		m.Groups = append(m.Groups, Group{Tag: tag})
	}
	g := &m.Groups[len(m.Groups)-1]
	g.Attrs = append(g.Attrs, Attribute{Name: name, Values: values})
}

// Attr finds the first attribute of the name in groups of tag.
func (m Message) Attr(tag Tag, name string) (Attribute, bool) {
	for _, g := range m.Groups {
		if g.Tag != tag {
			continue
		}
		for _, a := range g.Attrs {
			if a.Name == name {
				return a, true
			}
		}
	}
	return Attribute{}, false
}

// Int is the attribute's first value as an integer or enum.
func (a Attribute) Int() (int32, bool) {
	if len(a.Values) == 0 {
		return 0, false
	}
	return a.Values[0].Int()
}

// Strings are the attribute's values as text.
func (a Attribute) Strings() []string {
	out := make([]string, 0, len(a.Values))
	for _, v := range a.Values {
		out = append(out, v.String())
	}
	return out
}

// MarshalBinary encodes the message (without any document data).
func (m Message) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.Write(binary.BigEndian.AppendUint16(nil, m.Version))
	b.Write(binary.BigEndian.AppendUint16(nil, m.Code))
	b.Write(binary.BigEndian.AppendUint32(nil, m.RequestID))
	for _, g := range m.Groups {
		if g.Tag == 0 || g.Tag > 0x0F || g.Tag == TagEnd {
			return nil, fmt.Errorf("ipp: group tag %#x is no group", byte(g.Tag))
		}
		b.WriteByte(byte(g.Tag))
		for _, a := range g.Attrs {
			if a.Name == "" || len(a.Name) > 0xFFFF || len(a.Values) == 0 {
				return nil, fmt.Errorf("ipp: attribute %q: no name or no value", a.Name)
			}
			for i, v := range a.Values {
				if v.Tag < 0x10 || v.Tag == tagExtension || len(v.Data) > 0xFFFF {
					return nil, fmt.Errorf("ipp: attribute %q: value tag %#x or length %d", a.Name, byte(v.Tag), len(v.Data))
				}
				b.WriteByte(byte(v.Tag))
				name := a.Name
				if i > 0 {
					name = "" // an additional value
				}
				b.Write(binary.BigEndian.AppendUint16(nil, uint16(len(name))))
				b.WriteString(name)
				b.Write(binary.BigEndian.AppendUint16(nil, uint16(len(v.Data))))
				b.Write(v.Data)
			}
		}
	}
	b.WriteByte(byte(TagEnd))
	return b.Bytes(), nil
}

// Decode reads a message from the start of data; what follows the end tag
// (a document) is returned as rest.
func Decode(data []byte) (m Message, rest []byte, err error) {
	if len(data) < 9 {
		return m, nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(data))
	}
	m.Version = binary.BigEndian.Uint16(data)
	m.Code = binary.BigEndian.Uint16(data[2:])
	m.RequestID = binary.BigEndian.Uint32(data[4:])
	p := data[8:]
	count := 0
	var g *Group
	for {
		if len(p) == 0 {
			return Message{}, nil, fmt.Errorf("%w: no end tag", ErrMalformed)
		}
		tag := Tag(p[0])
		p = p[1:]
		if tag == TagEnd {
			return m, p, nil
		}
		if tag == 0 {
			return Message{}, nil, fmt.Errorf("%w: reserved tag 0", ErrMalformed)
		}
		if tag < 0x10 { // a group starts
			m.Groups = append(m.Groups, Group{Tag: tag})
			g = &m.Groups[len(m.Groups)-1]
			continue
		}
		if g == nil || tag == tagExtension {
			return Message{}, nil, fmt.Errorf("%w: value tag %#x outside a group", ErrMalformed, byte(tag))
		}
		name, q, ok := field(p)
		if !ok {
			return Message{}, nil, fmt.Errorf("%w: attribute name cut short", ErrMalformed)
		}
		val, q, ok := field(q)
		if !ok {
			return Message{}, nil, fmt.Errorf("%w: value cut short", ErrMalformed)
		}
		p = q
		v := Value{Tag: tag, Data: bytes.Clone(val)}
		switch {
		case len(name) > 0:
			if count++; count > maxAttributes {
				return Message{}, nil, fmt.Errorf("%w: over %d attributes", ErrMalformed, maxAttributes)
			}
			g.Attrs = append(g.Attrs, Attribute{Name: string(name), Values: []Value{v}})
		case len(g.Attrs) > 0:
			last := &g.Attrs[len(g.Attrs)-1]
			last.Values = append(last.Values, v)
		default:
			return Message{}, nil, fmt.Errorf("%w: an additional value with no attribute", ErrMalformed)
		}
	}
}

// field reads a two-byte length and that many bytes.
func field(p []byte) (f, rest []byte, ok bool) {
	if len(p) < 2 {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint16(p))
	if len(p) < 2+n {
		return nil, nil, false
	}
	return p[2 : 2+n], p[2+n:], true
}

// ReadMessage reads an answer of at most maxMessage bytes.
func ReadMessage(r io.Reader) (Message, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxMessage+1))
	if err != nil {
		return Message{}, fmt.Errorf("ipp: read: %w", err)
	}
	if len(data) > maxMessage {
		return Message{}, fmt.Errorf("%w: over %d bytes", ErrMalformed, maxMessage)
	}
	m, _, err := Decode(data)
	return m, err
}
