package coverage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"pasched/intel"
)

// Wording writes the digest's summary paragraph from the computed facts.
// Ranking and the list of gaps never depend on it.
type Wording interface {
	Summary(ctx context.Context, facts DigestFacts) (string, error)
}

// DigestFacts are everything the summary may say: computed here, never
// invented by the writer.
type DigestFacts struct {
	From             string          `json:"from"`
	To               string          `json:"to"`
	Days             int             `json:"days"`
	UncoveredMinutes int             `json:"uncovered_minutes_total"`
	Gaps             []DigestGapFact `json:"gaps"`
	// Plain is the plain-text summary, for the writer to reword.
	Plain string `json:"plain_summary"`
}

// DigestGapFact is one gap as the writer sees it.
type DigestGapFact struct {
	Date             string   `json:"date"`
	Window           string   `json:"window"`
	UncoveredMinutes int      `json:"uncovered_minutes"`
	Uncovered        []string `json:"uncovered"`
	FirstSuggestion  string   `json:"first_suggestion,omitempty"`
}

// DefaultLLMTimeout bounds a call to the language model.
const DefaultLLMTimeout = 5 * time.Second

// maxSummary bounds what a model may put in the email.
const maxSummary = 1200

// ChatCompletions words the summary with any OpenAI-compatible
// chat-completions endpoint (POST {BaseURL}/chat/completions).
type ChatCompletions struct {
	BaseURL string // e.g. https://api.openai.com/v1
	APIKey  string
	Model   string
	// Timeout bounds the whole call; 0 is DefaultLLMTimeout.
	Timeout time.Duration
	Client  *http.Client
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	Temperature float64       `json:"temperature"`
	MaxTokens   int           `json:"max_tokens"`
}

type chatResponse struct {
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
}

const systemPrompt = "You write the opening paragraph of a daily email to the employer of personal assistants (care workers). " +
	"Summarise the coverage gaps in the JSON facts in at most three plain sentences. Use only the facts given: " +
	"no other names, numbers, dates or advice. No greeting, no sign-off, no markdown."

// Summary asks the model for the paragraph.
func (c *ChatCompletions) Summary(ctx context.Context, facts DigestFacts) (string, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultLLMTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	factsJSON, err := json.Marshal(facts)
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(chatRequest{Model: c.Model, Temperature: 0.2, MaxTokens: 300, Messages: []chatMessage{
		{Role: "system", Content: systemPrompt},
		{Role: "user", Content: string(factsJSON)},
	}})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	client := c.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("chat completions: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("chat completions: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("chat completions: status %d", resp.StatusCode)
	}
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil {
		return "", fmt.Errorf("chat completions: %w", err)
	}
	if len(cr.Choices) == 0 {
		return "", errors.New("chat completions: no choices")
	}
	text := strings.TrimSpace(cr.Choices[0].Message.Content)
	if text == "" || len(text) > maxSummary {
		return "", fmt.Errorf("chat completions: unusable summary of %d bytes", len(text))
	}
	return text, nil
}

// digestFacts turns a report into the facts a writer is given.
func digestFacts(r *Report, plain string) DigestFacts {
	f := DigestFacts{From: r.From.String(), To: r.To.String(), Days: r.Days, UncoveredMinutes: r.UncoveredMinutes, Plain: plain}
	for _, g := range r.Gaps {
		gf := DigestGapFact{Date: intel.LongDate(g.Date), Window: intel.HM(g.Window.Start) + "–" + intel.HM(g.Window.End),
			UncoveredMinutes: g.UncoveredMinutes}
		for _, sv := range g.Slots {
			gf.Uncovered = append(gf.Uncovered, intel.HM(sv.Slot.Start)+"–"+intel.HM(sv.Slot.End))
			if gf.FirstSuggestion == "" && len(sv.Suggestions) > 0 {
				gf.FirstSuggestion = sv.Suggestions[0].Name
			}
		}
		f.Gaps = append(f.Gaps, gf)
	}
	return f
}

// Defaults of the optional language model (OPENAI_BASE_URL, OPENAI_MODEL).
const (
	DefaultOpenAIBaseURL = "https://api.openai.com/v1"
	DefaultOpenAIModel   = "gpt-4o-mini"
)

// NewWording returns the chat-completions writer for OPENAI_API_KEY,
// OPENAI_BASE_URL and OPENAI_MODEL, or nil without a key: the digest then
// uses its plain text and makes no network call.
func NewWording(apiKey, baseURL, model string, timeout time.Duration) Wording {
	if apiKey == "" {
		return nil
	}
	if baseURL == "" {
		baseURL = DefaultOpenAIBaseURL
	}
	if model == "" {
		model = DefaultOpenAIModel
	}
	if timeout <= 0 {
		timeout = DefaultLLMTimeout
	}
	return &ChatCompletions{BaseURL: baseURL, APIKey: apiKey, Model: model, Timeout: timeout}
}
