"""The LangGraph agent served by the Agent Server (graph id ``agent``, see ``langgraph.json``)."""
