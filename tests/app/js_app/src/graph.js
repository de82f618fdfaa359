// A deterministic graph with no network call: each run adds 1 to `count` and echoes its input.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({
  count: Annotation({ reducer: (total, step) => total + step, default: () => 0 }),
  text: Annotation(),
  echo: Annotation(),
});

export const graph = new StateGraph(State)
  .addNode("respond", async (state) => ({ count: 1, echo: `echo: ${state.text ?? ""}` }))
  .addEdge(START, "respond")
  .addEdge("respond", END)
  .compile();
