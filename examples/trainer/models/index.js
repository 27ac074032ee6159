'use strict';

/** Every model the example trainer knows, by the name a job gives. */
const models = {
  logreg: require('./logreg'),
  mlp: require('./mlp'),
  gbt: require('./gbt'),
  ensemble: require('./ensemble'),
  test: require('./test-double'),
};

module.exports = { models };
