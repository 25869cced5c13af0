package demo

import (
	"context"
	"fmt"
	"net"
	"net/http/httptrace"
	"sync"
	"syscall"
)

// Network is where the sample app listens and how the simulated locations
// reach it. The prober dials through it with its DialContext hook.
type Network interface {
	// Listen opens a new listener with an address of its own.
	Listen() (net.Listener, error)
	// DialContext connects to a listener's address.
	DialContext(ctx context.Context, addr string) (net.Conn, error)
}

// Loopback is the demo's default network: ports on 127.0.0.1.
type Loopback struct{}

// Listen implements Network.
func (Loopback) Listen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// DialContext implements Network.
func (Loopback) DialContext(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// InMemory returns a network of in-process pipes (net.Pipe): no port is
// opened. Its connections block on channels only, so inside a
// testing/synctest bubble a run on virtual time measures exactly the
// simulated delays, however busy the machine is. Make it in the goroutine
// (or bubble) that runs the demo.
func InMemory() Network { return &memNetwork{listeners: map[string]*memListener{}} }

type memNetwork struct {
	mu        sync.Mutex
	next      int
	listeners map[string]*memListener
}

func (n *memNetwork) Listen() (net.Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.next++
	l := &memListener{n: n, addr: memAddr(fmt.Sprintf("memory:%d", n.next)), conns: make(chan net.Conn), done: make(chan struct{})}
	n.listeners[string(l.addr)] = l
	return l, nil
}

func (n *memNetwork) DialContext(ctx context.Context, addr string) (net.Conn, error) {
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.ConnectStart != nil {
		trace.ConnectStart("memory", addr)
	}
	c, err := n.dial(ctx, addr)
	if trace != nil && trace.ConnectDone != nil {
		trace.ConnectDone("memory", addr, err)
	}
	return c, err
}

func (n *memNetwork) dial(ctx context.Context, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.listeners[addr]
	n.mu.Unlock()
	refused := &net.OpError{Op: "dial", Net: "memory", Addr: memAddr(addr), Err: syscall.ECONNREFUSED}
	if l == nil {
		return nil, refused
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
		refused.Err = ctx.Err()
	}
	_, _ = client.Close(), server.Close()
	return nil, refused
}

// memListener hands the server ends of dialed pipes to Accept.
type memListener struct {
	n     *memNetwork
	addr  memAddr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.n.mu.Lock()
		delete(l.n.listeners, string(l.addr))
		l.n.mu.Unlock()
	})
	return nil
}

func (l *memListener) Addr() net.Addr { return l.addr }

// memAddr is an in-memory listener's address.
type memAddr string

func (memAddr) Network() string  { return "memory" }
func (a memAddr) String() string { return string(a) }
