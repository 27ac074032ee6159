/** uPlot and its stylesheet: loaded only when a chart is drawn, so the other views stay small. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export default uPlot;
