// The zero-downtime Go starter: version 1 of the accounts service, working, and a naive version 2
// with a migration that does everything in one go. Making the change safe under traffic (README
// R4-R10) is yours.
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
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Config is the validated environment, read once at start-up.
type Config struct {
	Port        int
	DatabaseURL string
	Version     int
	Step        string
}

func loadConfig() (Config, error) {
	var problems []string
	c := Config{Port: 3000, DatabaseURL: os.Getenv("DATABASE_URL"), Version: 1, Step: os.Getenv("MIGRATION_STEP")}
	if raw := os.Getenv("PORT"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 65535 {
			problems = append(problems, "PORT: an integer from 1 to 65535 expected")
		}
		c.Port = n
	}
	if c.DatabaseURL == "" {
		problems = append(problems, "DATABASE_URL: required")
	}
	switch os.Getenv("APP_VERSION") {
	case "", "1":
	case "2":
		c.Version = 2
	default:
		problems = append(problems, "APP_VERSION: 1 or 2")
	}
	switch c.Step {
	case "", "expand", "backfill", "contract":
	default:
		problems = append(problems, "MIGRATION_STEP: expand, backfill or contract")
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("invalid environment: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

var (
	firstName = regexp.MustCompile(`^[A-Za-z'-]+( [A-Za-z'-]+)*$`)
	lastName  = regexp.MustCompile(`^[A-Za-z'-]*$`)
	email     = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
	accountID = regexp.MustCompile(`^[1-9][0-9]{0,15}$`)
)

// R2's split of a name, in SQL: the last name follows the last space.
func sqlFirst(c string) string { return fmt.Sprintf(`regexp_replace(%s, ' [^ ]*$', '')`, c) }
func sqlLast(c string) string {
	return fmt.Sprintf(`CASE WHEN strpos(%s, ' ') = 0 THEN '' ELSE regexp_replace(%s, '^.* ', '') END`, c, c)
}

// Account is an account as the API shows it (README R1).
type Account struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Name      string `json:"name"`
}

func joinNames(first, last string) string {
	if last == "" {
		return first
	}
	return first + " " + last
}

func splitName(name string) (string, string) {
	at := strings.LastIndex(name, " ")
	if at < 0 {
		return name, ""
	}
	return name[:at], name[at+1:]
}

func newAccount(id int64, mail, first, last string) Account {
	return Account{ID: id, Email: mail, FirstName: first, LastName: last, Name: joinNames(first, last)}
}

// apiError is an error with an HTTP status and a stable machine-readable code.
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return e.message }

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// fields is a request body: each field absent (nil) or a string.
type fields struct {
	Email     *string `json:"email"`
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
}

func parseBody(r *http.Request, partial bool) (fields, error) {
	var f fields
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return f, &apiError{400, "invalid_body", "a JSON object with email, first_name and last_name (strings) expected"}
	}
	check := func(name string, v *string, re *regexp.Regexp, low, high int) error {
		if v == nil {
			if partial {
				return nil
			}
			return &apiError{400, "invalid_body", name + " is required"}
		}
		if len(*v) < low || len(*v) > high || !re.MatchString(*v) {
			return &apiError{400, "invalid_body", name + " is not valid (README R2)"}
		}
		return nil
	}
	if err := check("email", f.Email, email, 3, 254); err != nil {
		return f, err
	}
	if err := check("first_name", f.FirstName, firstName, 1, 50); err != nil {
		return f, err
	}
	if err := check("last_name", f.LastName, lastName, 0, 50); err != nil {
		return f, err
	}
	if !partial && *f.LastName == "" && strings.Contains(*f.FirstName, " ") {
		return f, errSplitsBack
	}
	return f, nil
}

// README R2: a name with an empty last name would split back into other names.
var errSplitsBack = &apiError{400, "invalid_body", "last_name may be empty only when first_name is one word (README R2)"}

func idOf(r *http.Request) (int64, error) {
	raw := r.PathValue("id")
	if !accountID.MatchString(raw) {
		return 0, &apiError{400, "invalid_parameter", "id must be a positive integer"}
	}
	return strconv.ParseInt(raw, 10, 64)
}

func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}

// App holds the service's dependencies.
type App struct {
	db      *pgxpool.Pool
	version int
}

func (a *App) scan(row pgx.Row) (*Account, error) {
	var id int64
	var mail, first, last string
	var err error
	if a.version == 1 {
		var name string
		err = row.Scan(&id, &mail, &name)
		first, last = splitName(name)
	} else {
		err = row.Scan(&id, &mail, &first, &last)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	acc := newAccount(id, mail, first, last)
	return &acc, nil
}

func (a *App) create(ctx context.Context, f fields) (*Account, error) {
	if a.version == 1 {
		return a.scan(a.db.QueryRow(ctx, `INSERT INTO accounts (email, name) VALUES ($1, $2) RETURNING id, email, name`,
			*f.Email, joinNames(*f.FirstName, *f.LastName)))
	}
	return a.scan(a.db.QueryRow(ctx, `INSERT INTO accounts (email, first_name, last_name) VALUES ($1, $2, $3)
		RETURNING id, email, first_name, last_name`, *f.Email, *f.FirstName, *f.LastName))
}

func (a *App) read(ctx context.Context, id int64) (*Account, error) {
	if a.version == 1 {
		return a.scan(a.db.QueryRow(ctx, `SELECT id, email, name FROM accounts WHERE id = $1`, id))
	}
	return a.scan(a.db.QueryRow(ctx, `SELECT id, email, first_name, last_name FROM accounts WHERE id = $1`, id))
}

func (a *App) change(ctx context.Context, id int64, f fields) (*Account, error) {
	var acc *Account
	var err error
	if a.version == 1 {
		first := fmt.Sprintf("coalesce($3::text, %s)", sqlFirst("name"))
		last := fmt.Sprintf("coalesce($4::text, %s)", sqlLast("name"))
		acc, err = a.scan(a.db.QueryRow(ctx, fmt.Sprintf(`UPDATE accounts SET email = coalesce($2, email),
			name = CASE WHEN %[2]s = '' THEN %[1]s ELSE %[1]s || ' ' || %[2]s END, updated_at = now()
			WHERE id = $1 AND NOT (%[2]s = '' AND strpos(%[1]s, ' ') > 0)
			RETURNING id, email, name`, first, last), id, f.Email, f.FirstName, f.LastName))
	} else {
		acc, err = a.scan(a.db.QueryRow(ctx, `UPDATE accounts SET email = coalesce($2, email),
			first_name = coalesce($3, first_name), last_name = coalesce($4, last_name), updated_at = now()
			WHERE id = $1 AND NOT (coalesce($4, last_name) = '' AND strpos(coalesce($3, first_name), ' ') > 0)
			RETURNING id, email, first_name, last_name`, id, f.Email, f.FirstName, f.LastName))
	}
	if acc != nil || err != nil {
		return acc, err
	}
	// No row changed: no such account, or one the change would leave with names R2 refuses.
	var found bool
	if err := a.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)`, id).Scan(&found); err != nil {
		return nil, err
	}
	if found {
		return nil, errSplitsBack
	}
	return nil, nil
}

type handler func(w http.ResponseWriter, r *http.Request) error

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	err := h(w, r)
	if err == nil {
		return
	}
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		writeError(w, ae.status, ae.code, ae.message)
	case isUniqueViolation(err):
		writeError(w, 409, "email_taken", "that email belongs to another account")
	default:
		log.Printf("internal error: %v", err)
		writeError(w, 500, "internal", "internal error")
	}
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", handler(func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, 200, map[string]string{"status": "ok"})
		return nil
	}))
	mux.Handle("POST /accounts", handler(func(w http.ResponseWriter, r *http.Request) error {
		f, err := parseBody(r, false)
		if err != nil {
			return err
		}
		acc, err := a.create(r.Context(), f)
		if err != nil {
			return err
		}
		writeJSON(w, 201, acc)
		return nil
	}))
	one := func(w http.ResponseWriter, acc *Account, err error, r *http.Request) error {
		if err != nil {
			return err
		}
		if acc == nil {
			return &apiError{404, "not_found", "no account " + r.PathValue("id")}
		}
		writeJSON(w, 200, acc)
		return nil
	}
	mux.Handle("GET /accounts/{id}", handler(func(w http.ResponseWriter, r *http.Request) error {
		id, err := idOf(r)
		if err != nil {
			return err
		}
		acc, err := a.read(r.Context(), id)
		return one(w, acc, err, r)
	}))
	mux.Handle("PATCH /accounts/{id}", handler(func(w http.ResponseWriter, r *http.Request) error {
		id, err := idOf(r)
		if err != nil {
			return err
		}
		f, err := parseBody(r, true)
		if err != nil {
			return err
		}
		acc, err := a.change(r.Context(), id, f)
		return one(w, acc, err, r)
	}))
	mux.Handle("/", handler(func(w http.ResponseWriter, r *http.Request) error {
		return &apiError{404, "not_found", fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)}
	}))
	return mux
}

// steps are the migration (README R4). This one does the whole change in expand: it works on an
// empty table. On 2,000,000 rows under traffic, see the README.
var steps = map[string]func(ctx context.Context, db *pgxpool.Pool) (string, error){
	"expand": func(ctx context.Context, db *pgxpool.Pool) (string, error) {
		return "expand: first_name and last_name added and filled; name dropped", pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			for _, s := range []string{
				`ALTER TABLE accounts ADD COLUMN first_name text, ADD COLUMN last_name text NOT NULL DEFAULT ''`,
				fmt.Sprintf(`UPDATE accounts SET first_name = %s, last_name = %s`, sqlFirst("name"), sqlLast("name")),
				`ALTER TABLE accounts ALTER COLUMN first_name SET NOT NULL, DROP COLUMN name`,
			} {
				if _, err := tx.Exec(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
	},
	"backfill": func(context.Context, *pgxpool.Pool) (string, error) { return "backfill: nothing to do", nil },
	"contract": func(context.Context, *pgxpool.Pool) (string, error) { return "contract: nothing to do", nil },
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
		log.Fatalf("postgres: %v", err)
	}
	defer db.Close()
	if cfg.Step != "" {
		// A job, not a service (README R4): run the step, say what it did, exit 0 when done.
		said, err := steps[cfg.Step](ctx, db)
		if err != nil {
			fmt.Printf("%s: failed: %v\n", cfg.Step, err)
			db.Close()
			os.Exit(1)
		}
		fmt.Println(said)
		return
	}
	app := &App{db: db, version: cfg.Version}
	srv := &http.Server{Addr: fmt.Sprintf(":%d", cfg.Port), Handler: app.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		log.Printf("zero-downtime v%d listening on %d", cfg.Version, cfg.Port)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	// SIGTERM: stop taking requests, finish those in flight, then close the pool (deferred).
	shutdown, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
}
