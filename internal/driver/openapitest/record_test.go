package openapitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// exchange is one request a driver sent and the fake's answer.
type exchange struct {
	method, path, rawQuery string
	reqHeader              http.Header
	reqBody                []byte
	status                 int
	respHeader             http.Header
	respBody               []byte
}

func (x *exchange) String() string { return x.method + " " + x.path }

// recorder is a proxy in front of a fake that keeps every exchange.
type recorder struct {
	mu  sync.Mutex
	all []*exchange
	srv *httptest.Server
}

func record(t *testing.T, fakeURL string) *recorder {
	t.Helper()
	target, err := url.Parse(fakeURL)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		x := resp.Request.Context().Value(exchangeKey{}).(*exchange)
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		x.status, x.respHeader, x.respBody = resp.StatusCode, resp.Header.Clone(), b
		rec.mu.Lock()
		rec.all = append(rec.all, x)
		rec.mu.Unlock()
		return nil
	}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		x := &exchange{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, reqHeader: r.Header.Clone(), reqBody: b}
		rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, x)))
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

type exchangeKey struct{}

func (r *recorder) exchanges() []*exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*exchange(nil), r.all...)
}

// request rebuilds the exchange's request for the validator.
func (x *exchange) request() *http.Request {
	u := &url.URL{Scheme: "https", Host: "api.invalid", Path: x.path, RawQuery: x.rawQuery}
	req, _ := http.NewRequest(x.method, u.String(), bytes.NewReader(x.reqBody))
	req.Header = x.reqHeader.Clone()
	return req
}

var errNoRoute = errors.New("no route")

// route finds the exchange's operation in the first document that has it.
func route(docs []*document, req *http.Request) (*document, *routers.Route, map[string]string, error) {
	for _, d := range docs {
		r, params, err := d.router.FindRoute(req)
		if err == nil {
			return d, r, params, nil
		}
	}
	return nil, nil, nil, errNoRoute
}

// validate checks the request against the documents and, unless
// requestOnly, the answer too. Undocumented paths are reported as
// errNoRoute.
func validate(docs []*document, x *exchange, requestOnly bool) error {
	req := x.request()
	d, r, params, err := route(docs, req)
	if err != nil {
		return fmt.Errorf("%s: %w", x, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: r,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("%s: the request breaks %s: %v", x, d.name, oneLine(err))
	}
	if requestOnly {
		return nil
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.status, Header: x.respHeader,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(x.respBody)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("%s: the answer (%d) breaks %s: %v", x, x.status, d.name, oneLine(err))
	}
	return nil
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}
