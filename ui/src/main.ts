/** The Control UI's entry: the stylesheet and the shell (which brings the chat page). @module */
import "./theme.css";
import "./app.js";
