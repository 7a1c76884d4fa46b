// The paginated API's Go starter: configuration from the environment, a pool on the database the
// grader has already filled (README: "The table"), GET /healthz, the routes of the README
// answering 501, errors in the one JSON shape, and a graceful stop on SIGTERM. The rest is yours.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeError answers in the one error shape every route uses.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func notImplemented(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotImplemented, "not_implemented", "not implemented yet")
}

// env reads the environment once, collecting every problem before any is reported.
type env struct{ problems []string }

func (e *env) required(name string) string {
	v := os.Getenv(name)
	if v == "" {
		e.problems = append(e.problems, name+": required")
	}
	return v
}

func (e *env) integer(name string, def, low, high int) int {
	raw := os.Getenv(name)
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < low || n > high {
		e.problems = append(e.problems, fmt.Sprintf("%s: an integer from %d to %d expected", name, low, high))
		return def
	}
	return n
}

func (e *env) err() error {
	if len(e.problems) == 0 {
		return nil
	}
	return fmt.Errorf("invalid environment: %s", strings.Join(e.problems, "; "))
}

// serve listens until SIGTERM, then stops taking requests and finishes those in flight.
func serve(ctx context.Context, name string, port int, h http.Handler) {
	srv := &http.Server{Addr: fmt.Sprintf(":%d", port), Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		log.Printf("%s listening on %d", name, port)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
}

func routes(register func(*http.ServeMux)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no route for "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// Config is the validated environment, read once at start-up.
type Config struct {
	Port        int
	DatabaseURL string
}

func loadConfig() (Config, error) {
	e := &env{}
	c := Config{Port: e.integer("PORT", 3000, 1, 65535), DatabaseURL: e.required("DATABASE_URL")}
	return c, e.err()
}

// App holds what the handlers need from the outside world.
type App struct {
	db *pgxpool.Pool
}

// migrate creates your indexes (the table is the grader's). Two instances start at once against
// the same database, so it must be safe to run concurrently (hint: CREATE INDEX IF NOT EXISTS).
func migrate(ctx context.Context, db *pgxpool.Pool) error {
	// TODO: create your indexes here.
	_, err := db.Exec(ctx, "SELECT 1")
	return err
}

func main() {
	cfg, err := loadConfig()
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	db, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		log.Fatalf("database: %v", err)
	}
	defer db.Close()
	if err := migrate(ctx, db); err != nil {
		log.Fatalf("migrate: %v", err)
	}

	app := &App{db: db}
	serve(ctx, "paginated-api", cfg.Port, routes(app.register))
}

// register adds the README's routes, each answering 501 until it is yours.
func (a *App) register(mux *http.ServeMux) {
	// GET /api/v1/products?limit=&cursor=&sort=&order=&category=&fields=
	//   → 200 {data: [item…], page: {nextCursor, hasMore}} + Link rel="next" | 400
	mux.HandleFunc("GET /api/v1/products", notImplemented)
	// GET /api/v1/products/{id} → 200 item | 404 | 400
	mux.HandleFunc("GET /api/v1/products/{id}", notImplemented)
}
