/** Connect authentication: Adobe (`authmod=adobe`) and Limelight (`authmod=llnw`) challenges. */
export * from './adobe.js';
export * from './llnw.js';
export * from './descriptions.js';
export * from './authenticator.js';
export * from './failure-throttle.js';
