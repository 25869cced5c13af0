// Package awstest starts moto_server, the local AWS emulator, for tests that
// exercise the real aws-sdk-go-v2 clients. Under CI=true a missing moto_server
// fails the test; elsewhere the test is skipped with a message saying why.
package awstest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// Server is a running moto_server on a loopback port.
type Server struct {
	URL     string
	cmd     *exec.Cmd
	out     SyncBuffer
	done    chan struct{}
	waitErr error
}

var (
	mu     sync.Mutex
	shared *Server
	users  int
)

// Start returns a moto_server for this test, reset to an empty state. One
// server is shared by the tests of a package that run one after another; it
// is stopped when the last test using it ends.
func Start(t testing.TB) *Server {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("moto_server is required under CI=true: %v", err)
		}
		t.Skip("moto_server not installed (Python moto); integration test skipped")
	}
	mu.Lock()
	defer mu.Unlock()
	if shared == nil {
		s, err := launch(path)
		if err != nil {
			t.Fatalf("moto_server: %v", err)
		}
		shared = s
	}
	users++
	s := shared
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		users--
		if users == 0 && shared != nil {
			shared.stop()
			shared = nil
		}
	})
	if err := s.Reset(); err != nil {
		t.Fatalf("moto_server reset: %v", err)
	}
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func launch(path string) (*Server, error) {
	var lastErr error
	for range 3 { // the port may be taken between choosing and binding it
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan struct{})}
		s.cmd = exec.Command(path, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
		s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
		if err := s.cmd.Start(); err != nil {
			return nil, err
		}
		if lastErr = s.waitReady(30 * time.Second); lastErr == nil {
			return s, nil
		}
		s.stop()
	}
	return nil, lastErr
}

func (s *Server) waitReady(limit time.Duration) error {
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("exited early (%v): %s", err, s.out.String())
		default:
		}
		resp, err := http.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			go func() { s.waitErr = <-exited; close(s.done) }()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	go func() { s.waitErr = <-exited; close(s.done) }()
	return fmt.Errorf("not ready within %s: %s", limit, s.out.String())
}

func (s *Server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
		}
	}
}

// Reset empties every service's state.
func (s *Server) Reset() error {
	resp, err := http.Post(s.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset: %s", resp.Status)
	}
	return nil
}

// Config returns an AWS config for region that talks to this server with static test credentials.
func (s *Server) Config(t testing.TB, region string) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(region),
		config.WithBaseEndpoint(s.URL),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")),
		config.WithEC2IMDSClientEnableState(imds.ClientDisabled), // never reach for instance metadata
	)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// SyncBuffer collects a process's or logger's output while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
