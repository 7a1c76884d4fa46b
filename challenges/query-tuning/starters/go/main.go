// The query-tuning Go starter: configuration from the environment, GET /healthz once migrated,
// every route of the README answering correctly (and slowly), errors in the one JSON shape, and a
// graceful stop on SIGTERM. Making it fast without changing one answer is yours.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Config is the validated environment, read once at start-up.
type Config struct {
	Port        int
	DatabaseURL string
}

func loadConfig() (Config, error) {
	var problems []string
	c := Config{Port: 3000, DatabaseURL: os.Getenv("DATABASE_URL")}
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
	if len(problems) > 0 {
		return c, fmt.Errorf("invalid environment: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// migrations run before the service listens, on every instance (two start at once). The shop's
// tables exist already, with primary keys only; schema changes of yours go here.
var migrations = []string{}

const maxSafeInteger = 1<<53 - 1
const maxRangeDays = 31

// apiError is an error with an HTTP status and a stable machine-readable code.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.message }

func bad(message string) *apiError { return &apiError{http.StatusBadRequest, "invalid_parameter", message} }

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeError answers in the one error shape every route uses.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// handle turns a handler's error into the one error shape: its own status, else 500.
func handle(f func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			var api *apiError
			if errors.As(err, &api) {
				writeError(w, api.status, api.code, api.message)
				return
			}
			log.Printf("internal error: %v", err)
			writeError(w, http.StatusInternalServerError, "internal", "internal error")
		}
	}
}

// iso is ISO 8601 in UTC with milliseconds (Go cuts the microseconds, it does not round).
func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

var likeSpecial = regexp.MustCompile(`[\\%_]`)

// likePrefix makes `%`, `_` and the escape character itself match literally in a LIKE pattern.
func likePrefix(s string) string { return likeSpecial.ReplaceAllString(s, `\$0`) + "%" }

// asciiLower lower-cases A-Z only (R4): names are ASCII, and a query's other letters match nothing.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

var (
	limitPattern    = regexp.MustCompile(`^[0-9]{1,3}$`)
	idPattern       = regexp.MustCompile(`^[1-9][0-9]{0,15}$`)
	afterIDPattern  = regexp.MustCompile(`^(0|[1-9][0-9]{0,15})$`)
	countryPattern  = regexp.MustCompile(`^[A-Z]{2}$`)
	dayPattern      = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	keyTimePattern  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?\+00$`)
	errMissingValue = errors.New("missing")
)

// single is a query parameter given at most once.
func single(r *http.Request, name string) (string, error) {
	values := r.URL.Query()[name]
	switch len(values) {
	case 0:
		return "", errMissingValue
	case 1:
		return values[0], nil
	}
	return "", bad(name + " given more than once")
}

func limitOf(r *http.Request, def, high int) (int, error) {
	raw, err := single(r, "limit")
	if errors.Is(err, errMissingValue) {
		return def, nil
	}
	if err != nil {
		return 0, err
	}
	n, _ := strconv.Atoi(raw)
	if !limitPattern.MatchString(raw) || n < 1 || n > high {
		return 0, bad(fmt.Sprintf("limit must be an integer from 1 to %d", high))
	}
	return n, nil
}

func parseDay(raw string, err error, name string) (time.Time, error) {
	if err != nil || !dayPattern.MatchString(raw) {
		return time.Time{}, bad(name + " must be a date YYYY-MM-DD")
	}
	d, perr := time.Parse("2006-01-02", raw)
	if perr != nil {
		return time.Time{}, bad(name + " is not a date")
	}
	return d, nil
}

// orderKey is where a page of orders resumes: the last order's created_at as Postgres prints it, and its id.
type orderKey struct {
	at string
	id int64
}

func cursorOf(k orderKey) string {
	raw, _ := json.Marshal([]any{k.at, k.id})
	return base64.RawURLEncoding.EncodeToString(raw)
}

func keyOf(cursor string) (orderKey, error) {
	malformed := bad("malformed cursor")
	if len(cursor) > 200 {
		return orderKey{}, malformed
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(cursor, "="))
	if err != nil {
		return orderKey{}, malformed
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var parts []any
	if dec.Decode(&parts) != nil || len(parts) != 2 {
		return orderKey{}, malformed
	}
	at, ok := parts[0].(string)
	num, isNum := parts[1].(json.Number)
	if !ok || !isNum || !keyTimePattern.MatchString(at) {
		return orderKey{}, malformed
	}
	id, err := num.Int64()
	if err != nil || id < 1 || id > maxSafeInteger {
		return orderKey{}, malformed
	}
	return orderKey{at, id}, nil
}

// positiveID is a JSON number that is a whole number from 1 to 2^53-1 (1.0 counts, "1" does not).
func positiveID(v any, high float64) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || f < 1 || f > high {
		return 0, false
	}
	return int64(f), true
}

// Item is one line of an order as the API shows it (R1).
type Item struct {
	LineNo         int32  `json:"line_no"`
	ProductID      int64  `json:"product_id"`
	ProductName    string `json:"product_name"`
	Quantity       int32  `json:"quantity"`
	UnitPriceCents int32  `json:"unit_price_cents"`
	LineTotalCents int64  `json:"line_total_cents"`
}

// Order is one order as the API shows it (R1).
type Order struct {
	ID         int64  `json:"id"`
	CustomerID int64  `json:"customer_id"`
	Status     string `json:"status"`
	CreatedAt  string `json:"created_at"`
	TotalCents int64  `json:"total_cents"`
	Items      []Item `json:"items"`
}

type orderRow struct {
	id, customerID int64
	status         string
	createdAt      time.Time
	key            string
}

// App holds what the handlers need from the outside world.
type App struct {
	db *pgxpool.Pool
}

// querier is the pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func productByID(ctx context.Context, q querier, id int64) (name string, price int32, found bool, err error) {
	var description, category string
	err = q.QueryRow(ctx, "SELECT * FROM products WHERE id = $1", id).Scan(&id, &name, &description, &category, &price)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, false, nil
	}
	return name, price, err == nil, err
}

func withItems(ctx context.Context, q querier, o orderRow) (Order, error) {
	out := Order{ID: o.id, CustomerID: o.customerID, Status: o.status, CreatedAt: iso(o.createdAt), Items: []Item{}}
	rows, err := q.Query(ctx, "SELECT * FROM order_items WHERE order_id = $1 ORDER BY line_no", o.id)
	if err != nil {
		return out, err
	}
	var orderID int64
	var it Item
	lines, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Item, error) {
		err := row.Scan(&orderID, &it.LineNo, &it.ProductID, &it.Quantity, &it.UnitPriceCents)
		return it, err
	})
	if err != nil {
		return out, err
	}
	for _, line := range lines {
		name, _, _, err := productByID(ctx, q, line.ProductID)
		if err != nil {
			return out, err
		}
		line.ProductName = name
		line.LineTotalCents = int64(line.Quantity) * int64(line.UnitPriceCents)
		out.TotalCents += line.LineTotalCents
		out.Items = append(out.Items, line)
	}
	return out, nil
}

// GET /customers/{id}/orders?limit&cursor → 200 {data, next_cursor} | 400 | 404 (R1)
func (a *App) customerOrders(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("id")
	if !idPattern.MatchString(raw) {
		return &apiError{http.StatusNotFound, "not_found", "no customer " + raw}
	}
	customerID, _ := strconv.ParseInt(raw, 10, 64)
	limit, err := limitOf(r, 20, 50)
	if err != nil {
		return err
	}
	var after *orderKey
	if c, err := single(r, "cursor"); err == nil {
		k, err := keyOf(c)
		if err != nil {
			return err
		}
		after = &k
	} else if !errors.Is(err, errMissingValue) {
		return err
	}
	ctx := r.Context()
	var one int
	if err := a.db.QueryRow(ctx, "SELECT 1 FROM customers WHERE id = $1", customerID).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
		return &apiError{http.StatusNotFound, "not_found", "no customer " + raw}
	} else if err != nil {
		return err
	}
	rows, err := a.db.Query(ctx,
		`SELECT id, customer_id, status, created_at,
		        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS k
		 FROM orders WHERE customer_id = $1 ORDER BY created_at DESC, id DESC`, customerID)
	if err != nil {
		return err
	}
	all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (orderRow, error) {
		var o orderRow
		err := row.Scan(&o.id, &o.customerID, &o.status, &o.createdAt, &o.key)
		return o, err
	})
	if err != nil {
		return err
	}
	// The text keys sort as the timestamps do.
	var later []orderRow
	for _, o := range all {
		if after == nil || o.key < after.at || (o.key == after.at && o.id < after.id) {
			later = append(later, o)
		}
	}
	page := later[:min(limit, len(later))]
	data := []Order{}
	for _, o := range page {
		order, err := withItems(ctx, a.db, o)
		if err != nil {
			return err
		}
		data = append(data, order)
	}
	var next *string
	if len(later) > limit {
		c := cursorOf(orderKey{page[len(page)-1].key, page[len(page)-1].id})
		next = &c
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "next_cursor": next})
	return nil
}

// GET /customers?country&after_id&limit → 200 {data, next_after_id} | 400 (R2)
func (a *App) customers(w http.ResponseWriter, r *http.Request) error {
	country, err := single(r, "country")
	if err != nil || !countryPattern.MatchString(country) {
		return bad("country must be two capital letters")
	}
	limit, err := limitOf(r, 20, 100)
	if err != nil {
		return err
	}
	afterID := int64(0)
	if raw, err := single(r, "after_id"); err == nil {
		if !afterIDPattern.MatchString(raw) {
			return bad("after_id must be an integer ≥ 0")
		}
		afterID, _ = strconv.ParseInt(raw, 10, 64)
	} else if !errors.Is(err, errMissingValue) {
		return err
	}
	ctx := r.Context()
	type customer struct {
		ID          int64   `json:"id"`
		Name        string  `json:"name"`
		Email       string  `json:"email"`
		OrderCount  int32   `json:"order_count"`
		LastOrderAt *string `json:"last_order_at"`
	}
	rows, err := a.db.Query(ctx, "SELECT * FROM customers WHERE country = $1 AND id > $2 ORDER BY id LIMIT $3",
		country, afterID, limit)
	if err != nil {
		return err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (customer, error) {
		var c customer
		var country string
		var created time.Time
		err := row.Scan(&c.ID, &c.Name, &c.Email, &country, &created)
		return c, err
	})
	if err != nil {
		return err
	}
	data := []customer{}
	for _, c := range list {
		var last *time.Time
		if err := a.db.QueryRow(ctx,
			"SELECT count(*)::int AS n, max(created_at) AS last FROM orders WHERE customer_id = $1", c.ID,
		).Scan(&c.OrderCount, &last); err != nil {
			return err
		}
		if last != nil {
			s := iso(*last)
			c.LastOrderAt = &s
		}
		data = append(data, c)
	}
	var next *int64
	if len(data) == limit {
		next = &data[len(data)-1].ID
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "next_after_id": next})
	return nil
}

// GET /reports/top-products?from&to&limit → 200 {from, to, data} | 400 (R3)
func (a *App) topProducts(w http.ResponseWriter, r *http.Request) error {
	rawFrom, fromErr := single(r, "from")
	rawTo, toErr := single(r, "to")
	from, err := parseDay(rawFrom, fromErr, "from")
	if err != nil {
		return err
	}
	to, err := parseDay(rawTo, toErr, "to")
	if err != nil {
		return err
	}
	days := int(to.Sub(from).Hours()/24) + 1
	if days < 1 {
		return bad("from must not be after to")
	}
	if days > maxRangeDays {
		return bad(fmt.Sprintf("the range spans at most %d days", maxRangeDays))
	}
	limit, err := limitOf(r, 10, 100)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rows, err := a.db.Query(ctx,
		`SELECT oi.product_id, oi.quantity, oi.unit_price_cents, o.status
		 FROM orders o JOIN order_items oi ON oi.order_id = o.id
		 WHERE o.created_at >= $1 AND o.created_at < $2`, from, to.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	type total struct{ units, revenue int64 }
	totals := map[int64]*total{}
	var productID int64
	var quantity, price int32
	var status string
	_, err = pgx.ForEachRow(rows, []any{&productID, &quantity, &price, &status}, func() error {
		if status == "cancelled" {
			return nil
		}
		t := totals[productID]
		if t == nil {
			t = &total{}
			totals[productID] = t
		}
		t.units += int64(quantity)
		t.revenue += int64(quantity) * int64(price)
		return nil
	})
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(totals))
	for id := range totals {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		x, y := totals[ids[i]], totals[ids[j]]
		return x.revenue > y.revenue || (x.revenue == y.revenue && ids[i] < ids[j])
	})
	type row struct {
		ProductID    int64  `json:"product_id"`
		Name         string `json:"name"`
		Units        int64  `json:"units"`
		RevenueCents int64  `json:"revenue_cents"`
	}
	data := []row{}
	for _, id := range ids[:min(limit, len(ids))] {
		name, _, _, err := productByID(ctx, a.db, id)
		if err != nil {
			return err
		}
		data = append(data, row{id, name, totals[id].units, totals[id].revenue})
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": rawFrom, "to": rawTo, "data": data})
	return nil
}

// GET /products/search?q&limit → 200 {data} | 400 (R4)
func (a *App) search(w http.ResponseWriter, r *http.Request) error {
	q, err := single(r, "q")
	if err != nil || len([]rune(q)) < 1 || len([]rune(q)) > 50 || strings.ContainsRune(q, 0) {
		return bad("q must be 1 to 50 characters")
	}
	limit, err := limitOf(r, 20, 100)
	if err != nil {
		return err
	}
	rows, err := a.db.Query(r.Context(),
		`SELECT * FROM products WHERE name ILIKE $1 ORDER BY lower(name) COLLATE "C", id LIMIT $2`,
		likePrefix(asciiLower(q)), limit)
	if err != nil {
		return err
	}
	type product struct {
		ID         int64  `json:"id"`
		Name       string `json:"name"`
		PriceCents int32  `json:"price_cents"`
	}
	data, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (product, error) {
		var p product
		var description, category string
		err := row.Scan(&p.ID, &p.Name, &description, &category, &p.PriceCents)
		return p, err
	})
	if err != nil {
		return err
	}
	if data == nil {
		data = []product{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
	return nil
}

// POST /orders {customer_id, items: [{product_id, quantity}]} → 201 order | 400 | 422 (R5)
func (a *App) placeOrder(w http.ResponseWriter, r *http.Request) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil || body == nil {
		return &apiError{http.StatusBadRequest, "bad_request", "malformed request body"}
	}
	customerID, ok := positiveID(body["customer_id"], maxSafeInteger)
	if !ok {
		return bad("customer_id must be a positive integer")
	}
	rawItems, ok := body["items"].([]any)
	if !ok || len(rawItems) < 1 || len(rawItems) > 20 {
		return bad("items must hold 1 to 20 items")
	}
	type wanted struct{ productID, quantity int64 }
	var items []wanted
	for _, raw := range rawItems {
		it, ok := raw.(map[string]any)
		if !ok {
			return bad("each item is an object")
		}
		productID, ok := positiveID(it["product_id"], maxSafeInteger)
		if !ok {
			return bad("product_id must be a positive integer")
		}
		quantity, ok := positiveID(it["quantity"], 100)
		if !ok {
			return bad("quantity must be an integer from 1 to 100")
		}
		items = append(items, wanted{productID, quantity})
	}
	ctx := r.Context()
	tx, err := a.db.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var one int
	if err := tx.QueryRow(ctx, "SELECT 1 FROM customers WHERE id = $1", customerID).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
		return &apiError{http.StatusUnprocessableEntity, "unknown_customer", fmt.Sprintf("no customer %d", customerID)}
	} else if err != nil {
		return err
	}
	prices := make([]int32, len(items))
	for n, it := range items {
		_, price, found, err := productByID(ctx, tx, it.productID)
		if err != nil {
			return err
		}
		if !found {
			return &apiError{http.StatusUnprocessableEntity, "unknown_product", "an item names no product"}
		}
		prices[n] = price
	}
	var o orderRow
	if err := tx.QueryRow(ctx,
		`INSERT INTO orders (customer_id, status, created_at)
		 VALUES ($1, 'placed', date_trunc('milliseconds', now())) RETURNING id, customer_id, status, created_at`,
		customerID).Scan(&o.id, &o.customerID, &o.status, &o.createdAt); err != nil {
		return err
	}
	for n, it := range items {
		if _, err := tx.Exec(ctx, "INSERT INTO order_items VALUES ($1, $2, $3, $4, $5)",
			o.id, n+1, it.productID, it.quantity, prices[n]); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	order, err := withItems(ctx, a.db, o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, order)
	return nil
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /customers/{id}/orders", handle(a.customerOrders))
	mux.HandleFunc("GET /customers", handle(a.customers))
	mux.HandleFunc("GET /reports/top-products", handle(a.topProducts))
	mux.HandleFunc("GET /products/search", handle(a.search))
	mux.HandleFunc("POST /orders", handle(a.placeOrder))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no route "+r.Method+" "+r.URL.Path)
	})
	return mux
}

func main() {
	cfg, err := loadConfig()
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	poolConfig, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		log.Fatalf("DATABASE_URL: %v", err)
	}
	poolConfig.MaxConns = 20
	db, err := pgxpool.NewWithConfig(ctx, poolConfig)
	if err != nil {
		log.Fatalf("postgres: %v", err)
	}
	defer db.Close()
	for _, statement := range migrations {
		if _, err := db.Exec(ctx, statement); err != nil {
			log.Fatalf("migrate: %v", err)
		}
	}
	app := &App{db: db}
	srv := &http.Server{Addr: fmt.Sprintf(":%d", cfg.Port), Handler: app.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		log.Printf("query-tuning listening on %d", cfg.Port)
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
