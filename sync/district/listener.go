package district

import (
	"log/slog"
	"net"
	"sync"
	"time"
)

// capListener bounds the connections the district holds open: in all,
// and from one source address. A connection past either bound is closed
// as soon as it is accepted, before its TLS handshake costs anything, so
// that no peer — however many sockets it opens — can take every one.
type capListener struct {
	net.Listener
	max, perAddr int
	log          *slog.Logger

	mu       sync.Mutex
	open     int
	byAddr   map[string]int
	refused  int       // since the last log line
	loggedAt time.Time // of the last log line
}

func newCapListener(ln net.Listener, max, perAddr int, log *slog.Logger) *capListener {
	return &capListener{Listener: ln, max: max, perAddr: perAddr, log: log, byAddr: make(map[string]int)}
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := hostOf(c.RemoteAddr().String())
		if l.take(addr) {
			return &cappedConn{Conn: c, l: l, addr: addr}, nil
		}
		c.Close()
	}
}

// take counts a connection from addr in, or reports that a bound is met.
func (l *capListener) take(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.max || l.byAddr[addr] >= l.perAddr {
		l.refused++
		// One line a minute at most, however hard the district is pressed.
		if now := time.Now(); now.Sub(l.loggedAt) >= time.Minute {
			l.log.Warn("connections refused: too many open", "refused", l.refused, "open", l.open, "last_from", addr, "from_it", l.byAddr[addr])
			l.refused, l.loggedAt = 0, now
		}
		return false
	}
	l.open++
	l.byAddr[addr]++
	return true
}

func (l *capListener) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
}

// cappedConn gives its place back when closed, once.
type cappedConn struct {
	net.Conn
	l    *capListener
	addr string
	once sync.Once
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}

// hostOf is an address's host, without its port: the source address the
// district's bounds count by.
func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
