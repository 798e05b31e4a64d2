// Reference renderer for chat templates: Hugging Face's @huggingface/jinja (what transformers.js uses), fetched
// by scripts/fetch-test-tokenizers.sh. Reads one JSON object on stdin:
//   {"template": "...", "cases": [{"messages": [...], "add_generation_prompt": bool, ...globals}]}
// and prints a JSON array with the rendered string of each case (or {"error": message}).
// Usage: NODE_PATH=$HOME/.cache/stratum/test-tokenizers/node_modules node render-chat-template.cjs < request.json
const { Template } = require("@huggingface/jinja");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const template = new Template(request.template);
  const out = request.cases.map((globals) => {
    try {
      return template.render(globals);
    } catch (e) {
      return { error: String(e && e.message ? e.message : e) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
