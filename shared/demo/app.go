package demo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Condition is what the sample app suffers in one minute of the scenario.
type Condition struct {
	// Slow maps an area's request paths (prefix) to an added delay.
	Slow map[string]time.Duration
	// Fail maps path prefixes to a status the app answers instead.
	Fail map[string]int
	// Only, when set, limits the condition to one location (a local blip).
	Only string
}

// app is the sample application: a kanban-style SaaS with the example
// checks file's functional areas, served on one listener per simulated
// location so that it can tell them apart.
type app struct {
	mu    sync.Mutex
	conds []Condition
	token string
}

func newApp() *app { return &app{token: "demo-session-token"} }

func (a *app) set(conds ...Condition) {
	a.mu.Lock()
	a.conds = conds
	a.mu.Unlock()
}

// effect returns the delay and failure status for a request from a location.
func (a *app) effect(location, path string) (time.Duration, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var delay time.Duration
	status := 0
	for _, c := range a.conds {
		if c.Only != "" && c.Only != location {
			continue
		}
		for prefix, d := range c.Slow {
			if strings.HasPrefix(path, prefix) {
				delay = max(delay, d)
			}
		}
		for prefix, s := range c.Fail {
			if strings.HasPrefix(path, prefix) {
				status = s
			}
		}
	}
	return delay, status
}

// handler serves the app as seen from one location.
func (a *app) handler(location string) http.Handler {
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	authed := func(r *http.Request) bool {
		return r.Header.Get("Authorization") == "Bearer "+a.token
	}
	mux.HandleFunc("POST /api/v1/session", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"token": a.token})
	})
	mux.HandleFunc("GET /api/v1/boards", func(w http.ResponseWriter, r *http.Request) {
		if !authed(r) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "sign in"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"boards": []map[string]string{{"id": "b1", "name": "Roadmap"}}})
	})
	mux.HandleFunc("POST /api/v1/boards/{board}/cards", func(w http.ResponseWriter, r *http.Request) {
		if !authed(r) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "sign in"})
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"id": "c42"})
	})
	mux.HandleFunc("GET /api/v1/cards/{card}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("card"), "title": "synthetic check"})
	})
	mux.HandleFunc("GET /v2/boards", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "4999")
		writeJSON(w, http.StatusOK, map[string]any{"data": []map[string]string{{"id": "b1"}}})
	})
	mux.HandleFunc("GET /api/v1/search", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"results": []string{"card c42"}})
	})
	mux.HandleFunc("GET /reports/weekly.csv", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprint(w, "date,board,cards_done\n2026-11-23,Roadmap,12\n")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html><title>Taskboard</title><body>Taskboard: plan together</body></html>\n")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		delay, status := a.effect(location, r.URL.Path)
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if status != 0 {
			http.Error(w, http.StatusText(status), status)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
